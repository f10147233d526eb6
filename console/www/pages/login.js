// Sign-in.  This slice signs in with a REST JWT (jwtControlEnabled; make
// run prints one): it is checked by one REST call and kept in this tab's
// sessionStorage only.  Users with passwords (Ant Media's
// /rest/v2/users/authenticate and a session cookie) come next.
import { html, useState } from '../html.js';
import { api, setRestToken } from '../api.js';

export function Login({ onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (ev) => {
    ev.preventDefault();
    setBusy(true);
    setError('');
    setRestToken(token.trim());
    try {
      await api('GET', '/rest/v2/cluster/node-count');
      onSignedIn();
    } catch (e) {
      setRestToken('');
      setError(e.message || 'sign-in failed');
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="login">
      <h1>Fanout console</h1>
      <form onSubmit=${submit} aria-describedby="login-help">
        <label for="token">REST token (JWT)</label>
        <textarea id="token" name="token" rows="4" autocomplete="off" spellcheck="false"
          value=${token} onInput=${(e) => setToken(e.target.value)}></textarea>
        <p id="login-help" class="help">The token the REST API takes in Authorization (signed with
          jwtSecretKey; <code>make run</code> prints one). Kept in this tab only.</p>
        ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>`;
}
