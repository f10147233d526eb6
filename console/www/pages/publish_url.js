// The publish URL of a stream with a fresh one-time token (Ant Media's
// GET .../{id}/token?type=publish&expireDate=; honoured when the app's
// publishTokenControlEnabled is on), for an encoder: the LB's host and
// the origins' RTMP port.
import { html, useEffect, useState } from '../html.js';
import { api, enc } from '../api.js';

const LIFETIME_S = 3600;

async function rtmpPort() {
  const nodes = await api('GET', '/rest/v2/cluster/nodes/0/50');
  const o = nodes.find((n) => n.role === 'origin' && n.rtmpPort);
  return o ? o.rtmpPort : 1935;
}

export function PublishUrl({ app, stream, onClose }) {
  const [url, setUrl] = useState('');
  const [error, setError] = useState('');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    (async () => {
      try {
        const exp = Math.floor(Date.now() / 1000) + LIFETIME_S;
        const [t, port] = await Promise.all([
          api('GET', `/${enc(app)}/rest/v2/broadcasts/${enc(stream)}/token?type=publish&expireDate=${exp}`),
          rtmpPort()]);
        setUrl(`rtmp://${location.hostname}:${port}/${app}/${stream}?token=${enc(t.tokenId)}`);
      } catch (e) { setError(e.message); }
    })();
  }, [app, stream]);
  const copy = async () => {
    try { await navigator.clipboard.writeText(url); setCopied(true); }
    catch (e) { setError('copy failed: select the URL and copy it'); }
  };
  return html`
    <section class="panel" aria-label=${'Publish URL of ' + stream}>
      <div class="panel-head"><h2>Publish ${stream}</h2>
        <button type="button" onClick=${onClose}>Close</button></div>
      <label for="publish-url">RTMP URL (token valid ${LIFETIME_S / 60} min, once)</label>
      <div class="inline"><input id="publish-url" class="mono wide" readonly value=${url}
          onFocus=${(e) => e.target.select()} />
        <button type="button" disabled=${!url} onClick=${copy}>${copied ? 'Copied ✓' : 'Copy'}</button></div>
      ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
    </section>`;
}
