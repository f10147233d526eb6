// Sign-in, and the first-run setup that creates the admin (Ant Media's
// first login): GET /rest/v2/first-login-status, POST /rest/v2/users/initial,
// POST /rest/v2/users/authenticate (sets the session cookie).
import { html, useState } from '../html.js';
import { api } from '../api.js';

function Field({ id, label, type, value, onInput, autocomplete }) {
  return html`
    <label for=${id}>${label}</label>
    <input id=${id} name=${id} type=${type} value=${value} required autocomplete=${autocomplete}
      onInput=${(e) => onInput(e.target.value)} />`;
}

export function Login({ firstRun, onSignedIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (ev) => {
    ev.preventDefault();
    setError('');
    if (firstRun && password !== again) { setError('The passwords differ.'); return; }
    setBusy(true);
    try {
      if (firstRun) await api('POST', '/rest/v2/users/initial', { email, password });
      await api('POST', '/rest/v2/users/authenticate', { email, password });
      setPassword(''); setAgain('');
      onSignedIn();
    } catch (e) {
      setError(e.message || 'sign-in failed');
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="login">
      <h1>${firstRun ? 'Create the administrator' : 'Sign in to Fanout'}</h1>
      ${firstRun && html`<p class="help">No user exists yet. The account you create here is the cluster's
        first administrator; every origin accepts it.</p>`}
      <form onSubmit=${submit}>
        <${Field} id="email" label="Email" type="email" value=${email} onInput=${setEmail} autocomplete="username" />
        <${Field} id="password" label="Password" type="password" value=${password} onInput=${setPassword}
          autocomplete=${firstRun ? 'new-password' : 'current-password'} />
        ${firstRun && html`<${Field} id="again" label="Password again" type="password" value=${again}
          onInput=${setAgain} autocomplete="new-password" />`}
        ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? 'Please wait…' : firstRun ? 'Create and sign in' : 'Sign in'}</button>
      </form>
    </main>`;
}
