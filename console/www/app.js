// The console's shell: sign-in, the navigation, and the page of the
// location's hash (#/overview, #/streams, #/cluster, #/settings, #/alerts).  Pages poll the REST API every
// 3 s (usePoll) and never reload.
import { html, render, useState, useEffect } from './html.js';
import { api, onUnauthorized } from './api.js';
import { Login } from './pages/login.js';
import { Overview } from './pages/overview.js';
import { Streams } from './pages/streams.js';
import { Cluster } from './pages/cluster.js';
import { Settings } from './pages/settings.js';
import { Alerts } from './pages/alerts.js';

const PAGES = [
  { id: 'overview', title: 'Overview', view: Overview },
  { id: 'streams', title: 'Streams', view: Streams },
  { id: 'cluster', title: 'Cluster', view: Cluster },
  { id: 'alerts', title: 'Alerts', view: Alerts },
  { id: 'settings', title: 'Settings', view: Settings },
];

function currentPage() {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id) || PAGES[0];
}

function Nav({ page, onSignOut }) {
  return html`
    <header class="top">
      <span class="brand">Fanout</span>
      <nav aria-label="Sections">
        ${PAGES.map((p) => html`
          <a href=${'#/' + p.id} aria-current=${p.id === page.id ? 'page' : null}>${p.title}</a>`)}
      </nav>
      <button type="button" class="quiet" onClick=${onSignOut}>Sign out</button>
    </header>`;
}

// null: checking; 'setup': no user yet; false: signed out; true: in.
async function sessionState() {
  const auth = await api('GET', '/rest/v2/authentication-status');
  if (auth.success) return true;
  const first = await api('GET', '/rest/v2/first-login-status');
  return first.success ? 'setup' : false;
}

function App() {
  const [state, setState] = useState(null);
  const [error, setError] = useState('');
  const [page, setPage] = useState(currentPage());
  const refresh = () => sessionState().then(setState).catch((e) => setError(e.message));
  useEffect(() => {
    const on = () => setPage(currentPage());
    addEventListener('hashchange', on);
    onUnauthorized(() => setState(false));
    refresh();
    return () => removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    document.title = state === true ? `${page.title} · Fanout` : 'Sign in · Fanout';
  }, [state, page]);
  if (state === null) {
    return html`<p class="loading" role=${error ? 'alert' : null}>${error ? '⚠ ' + error : 'Loading the console…'}</p>`;
  }
  if (state !== true) {
    return html`<${Login} firstRun=${state === 'setup'} onSignedIn=${() => setState(true)} />`;
  }
  const signOut = async () => {
    try { await api('POST', '/rest/v2/users/logout', {}); } catch (e) { /* signed out anyway */ }
    setState(false);
  };
  const View = page.view;
  return html`
    <${Nav} page=${page} onSignOut=${signOut} />
    <main id="main"><${View} /></main>`;
}

render(html`<${App} />`, document.getElementById('app'));
