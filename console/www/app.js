// The console's shell: sign-in, the navigation, and the page of the
// location's hash (#/overview, #/streams).  Pages poll the REST API every
// 3 s (usePoll) and never reload.
import { html, render, useState, useEffect } from './html.js';
import { api, ApiError, restToken, setRestToken } from './api.js';
import { Login } from './pages/login.js';
import { Overview } from './pages/overview.js';
import { Streams } from './pages/streams.js';

const PAGES = [
  { id: 'overview', title: 'Overview', view: Overview },
  { id: 'streams', title: 'Streams', view: Streams },
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

function App() {
  const [signedIn, setSignedIn] = useState(null);  // null: checking
  const [page, setPage] = useState(currentPage());
  useEffect(() => {
    const on = () => setPage(currentPage());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    // Signed in when a REST call passes the gate (a JWT, or none needed).
    api('GET', '/rest/v2/cluster/node-count')
      .then(() => setSignedIn(true))
      .catch((e) => setSignedIn(!(e instanceof ApiError && (e.status === 401 || e.status === 403))));
  }, []);
  useEffect(() => {
    document.title = signedIn ? `${page.title} · Fanout` : 'Sign in · Fanout';
  }, [signedIn, page]);
  if (signedIn === null) return html`<p class="loading">Loading the console…</p>`;
  if (!signedIn) return html`<${Login} onSignedIn=${() => setSignedIn(true)} />`;
  const signOut = () => { setRestToken(''); setSignedIn(false); };
  const View = page.view;
  return html`
    <${Nav} page=${page} onSignOut=${signOut} />
    <main id="main"><${View} /></main>`;
}

render(html`<${App} />`, document.getElementById('app'));
export { restToken };
