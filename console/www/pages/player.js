// Inline play through the edges with hls.js or dash.js (vendored; loaded
// on first use).  HLS: the adaptive master ({id}_adaptive.m3u8) when the
// stream has a ladder, else the source playlist ({id}.m3u8); with signed
// playback (a 403) a play token's signed URL from GET
// .../{id}/token?type=play.  DASH: the MPD, {id}/{id}.mpd (unsigned only
// for now).
import { html, useEffect, useRef, useState } from '../html.js';
import { api, enc } from '../api.js';

const loading = {};
function loadScript(file, global) {
  if (window[global]) return Promise.resolve(window[global]);
  loading[file] ||= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/console/vendor/' + file;
    s.onload = () => resolve(window[global]);
    s.onerror = () => reject(new Error(file + ' did not load'));
    document.head.appendChild(s);
  });
  return loading[file];
}

async function startHls(app, stream, video, onError) {
  const [Hls, url] = await Promise.all([loadScript('hls.min.js', 'Hls'), playlistUrl(app, stream)]);
  if (!Hls.isSupported()) throw new Error('this browser has no Media Source Extensions');
  const hls = new Hls({ liveSyncDurationCount: 3 });
  hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) onError(`${d.type}: ${d.details}`); });
  hls.loadSource(url);
  hls.attachMedia(video);
  return { url, stop: () => hls.destroy() };
}

async function startDash(app, stream, video, onError) {
  const dashjs = await loadScript('dash.all.min.js', 'dashjs');
  const url = `/${enc(app)}/streams/${enc(stream)}/${enc(stream)}.mpd`;
  const player = dashjs.MediaPlayer().create();
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => onError('dash.js: ' + JSON.stringify(e.error || e)));
  player.initialize(video, url, true);
  return { url, stop: () => player.reset() };
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

export function Player({ app, stream, kind, onClose }) {
  const video = useRef(null);
  const [error, setError] = useState('');
  const [source, setSource] = useState('');
  useEffect(() => {
    let session = null;
    let gone = false;
    const start = kind === 'dash' ? startDash : startHls;
    start(app, stream, video.current, setError).then((s) => {
      if (gone) { s.stop(); return; }
      session = s;
      setSource(s.url.replace(/\?.*$/, ''));
      video.current.muted = true;
      video.current.play().catch(() => {});
    }).catch((e) => { if (!gone) setError(e.message); });
    return () => { gone = true; if (session) session.stop(); };
  }, [app, stream, kind]);
  return html`
    <section class="panel" aria-label=${'Player of ' + stream}>
      <div class="panel-head"><h2>Playing ${stream} (${kind === 'dash' ? 'DASH' : 'HLS'})</h2>
        <button type="button" onClick=${onClose}>Close player</button></div>
      <video ref=${video} id="player" controls muted playsinline></video>
      <p class="help">${source ? 'Source: ' + source : 'Loading…'}</p>
      ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
    </section>`;
}
