// Inline play through the edges with hls.js (vendored; loaded on first
// use).  The adaptive master ({id}_adaptive.m3u8) when the stream has a
// ladder, else the source playlist ({id}.m3u8); with signed playback (a
// 403) a play token's signed URL from GET .../{id}/token?type=play.
import { html, useEffect, useRef, useState } from '../html.js';
import { api, enc } from '../api.js';

let hlsLoading = null;
function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  hlsLoading ||= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/console/vendor/hls.min.js';
    s.onload = () => resolve(window.Hls);
    s.onerror = () => reject(new Error('hls.js did not load'));
    document.head.appendChild(s);
  });
  return hlsLoading;
}

async function playlistUrl(app, stream) {
  const base = `/${enc(app)}/streams/${enc(stream)}`;
  for (const url of [`${base}_adaptive.m3u8`, `${base}.m3u8`]) {
    const res = await fetch(url, { cache: 'no-store' });
    if (res.ok) return url;
    if (res.status === 403) {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const t = await api('GET', `/${enc(app)}/rest/v2/broadcasts/${enc(stream)}/token?type=play&expireDate=${exp}`);
      return t.url;
    }
  }
  throw new Error('no playlist for ' + stream + ' yet');
}

export function Player({ app, stream, onClose }) {
  const video = useRef(null);
  const [error, setError] = useState('');
  const [source, setSource] = useState('');
  useEffect(() => {
    let hls = null;
    let gone = false;
    (async () => {
      try {
        const [Hls, url] = await Promise.all([loadHls(), playlistUrl(app, stream)]);
        if (gone) return;
        setSource(url.replace(/\?.*$/, ''));
        if (!Hls.isSupported()) throw new Error('this browser has no Media Source Extensions');
        hls = new Hls({ liveSyncDurationCount: 3 });
        hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) setError(`${d.type}: ${d.details}`); });
        hls.loadSource(url);
        hls.attachMedia(video.current);
        video.current.muted = true;
        video.current.play().catch(() => {});
      } catch (e) { if (!gone) setError(e.message); }
    })();
    return () => { gone = true; if (hls) hls.destroy(); };
  }, [app, stream]);
  return html`
    <section class="panel" aria-label=${'Player of ' + stream}>
      <div class="panel-head"><h2>Playing ${stream}</h2>
        <button type="button" onClick=${onClose}>Close player</button></div>
      <video ref=${video} id="player" controls muted playsinline></video>
      <p class="help">${source ? 'Source: ' + source : 'Loading…'}</p>
      ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
    </section>`;
}
