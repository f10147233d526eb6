// Streams: the broadcasts of an application from the list endpoint
// (GET /{app}/rest/v2/broadcasts/list/{offset}/{size}?search=), with
// paging, create, stop (Ant Media's POST .../{id}/stop: the publisher is
// disconnected on whichever origin holds it), delete (which stops it
// too), a publish URL with a fresh token, the live figures (bitrate,
// speed, renditions: renditions.js) and inline play through the edges,
// HLS or DASH (player.js).  Polls every 3 s.
import { html, useEffect, useRef, useState, usePoll } from '../html.js';
import { api, enc } from '../api.js';
import { bitrate, duration, viewers } from '../format.js';
import { Player } from './player.js';
import { PublishUrl } from './publish_url.js';
import { Renditions, RenditionsPanel } from './renditions.js';

const SIZE = 20;

function Status({ s }) {
  const live = s === 'broadcasting';
  return html`<span class=${'status ' + (live ? 'ok' : 'idle')}>${live ? '● ' : '○ '}${s}</span>`;
}

function speed(b) {
  return b.status === 'broadcasting' && b.speed > 0 ? Number(b.speed).toFixed(2) + '×' : '—';
}

function Row({ b, now, onPlay, onPublish, onAsk, onRenditions }) {
  const live = b.status === 'broadcasting';
  return html`
    <tr>
      <td class="mono">${b.streamId}</td><td>${b.name}</td><td><${Status} s=${b.status} /></td>
      <td class="mono">${b.originAdress || '—'}</td><td>${viewers(b)}</td>
      <td>${live ? bitrate(b.bitrate) : '—'}</td><td><${Renditions} b=${b} onOpen=${onRenditions} /></td>
      <td>${live ? duration(now - b.startTime) : '—'}</td><td>${speed(b)}</td>
      <td class="actions">
        <button type="button" disabled=${!live} onClick=${() => onPlay(b, 'hls')}
          aria-label=${'Play ' + b.streamId}>Play</button>
        <button type="button" disabled=${!live} onClick=${() => onPlay(b, 'dash')}
          aria-label=${'Play ' + b.streamId + ' with DASH'}>DASH</button>
        <button type="button" onClick=${() => onPublish(b)}
          aria-label=${'Publish URL of ' + b.streamId}>Publish URL</button>
        <button type="button" class="danger" disabled=${!live} onClick=${() => onAsk(b, 'stop')}
          aria-label=${'Stop ' + b.streamId}>Stop</button>
        <button type="button" class="danger" onClick=${() => onAsk(b, 'delete')}
          aria-label=${'Delete ' + b.streamId}>Delete</button>
      </td>
    </tr>`;
}

// The confirmation of a stop or a delete: focus goes to its action
// button, Escape or Cancel leaves it.
function Confirm({ ask, onYes, onNo }) {
  const yes = useRef(null);
  useEffect(() => { if (yes.current) yes.current.focus(); }, [ask]);
  const stop = ask.what === 'stop';
  const text = stop
    ? `Disconnect the publisher of ${ask.id}? It may connect and publish again.`
    : `Delete stream ${ask.id}? A live publisher is disconnected first.`;
  return html`
    <section class="panel" role="alertdialog" aria-modal="false" aria-labelledby="confirm-text"
      onKeyDown=${(e) => { if (e.key === 'Escape') onNo(); }}>
      <p id="confirm-text"><strong>${text}</strong></p>
      <div class="inline">
        <button type="button" class="danger" ref=${yes} onClick=${onYes}>${stop ? 'Stop publisher' : 'Delete stream'}</button>
        <button type="button" onClick=${onNo}>Cancel</button>
      </div>
    </section>`;
}

function CreateForm({ app, onDone }) {
  const [name, setName] = useState('');
  const [id, setId] = useState('');
  const [error, setError] = useState('');
  const submit = async (ev) => {
    ev.preventDefault();
    const body = { name };
    if (id.trim()) body.streamId = id.trim();
    try {
      await api('POST', `/${enc(app)}/rest/v2/broadcasts/create`, body);
      setName(''); setId(''); setError('');
      onDone();
    } catch (e) { setError(e.message); }
  };
  return html`
    <form class="inline" onSubmit=${submit} aria-label="New stream">
      <label>Name <input value=${name} onInput=${(e) => setName(e.target.value)} required /></label>
      <label>Stream id <input value=${id} placeholder="generated" onInput=${(e) => setId(e.target.value)} /></label>
      <button type="submit">Create</button>
      ${error && html`<span class="error" role="alert">⚠ ${error}</span>`}
    </form>`;
}

function Help() {
  return html`<p class="help">Stop disconnects the publisher on whichever origin holds it; as in Ant
    Media, it may connect and publish again. Delete stops it too, then removes the record. Bitrate is
    measured at ingest; speed is the transcoder's (1.00× = real time), or the ingest's for a stream
    without a ladder.</p>`;
}

export function Streams() {
  const [apps, setApps] = useState([]);
  const [app, setApp] = useState('');
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState(null);
  const [total, setTotal] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  const [playing, setPlaying] = useState(null);
  const [publishing, setPublishing] = useState(null);
  const [ask, setAsk] = useState(null);  // {what: 'stop'|'delete', id}
  const [detail, setDetail] = useState(null);  // stream id
  const [notice, setNotice] = useState('');
  const [tick, setTick] = useState(0);
  usePoll(async (signal) => {
    try {
      let a = app;
      if (!a) {
        const list = (await api('GET', '/rest/v2/applications', undefined, signal)).applications;
        setApps(list); a = list[0]; setApp(a);
      }
      const q = search ? '?search=' + enc(search) : '';
      const base = `/${enc(a)}/rest/v2/broadcasts`;
      const [page, count] = await Promise.all([
        api('GET', `${base}/list/${offset}/${SIZE}${q}`, undefined, signal),
        api('GET', search ? `${base}/count/${enc(search)}` : `${base}/count`, undefined, signal)]);
      setRows(page); setTotal(count.number); setNow(Date.now()); setError('');
    } catch (e) { if (!signal.aborted) setError(e.message); }
  }, 3000, [app, search, offset, tick]);
  const refresh = () => setTick((t) => t + 1);
  const act = async () => {
    const { what, id } = ask;
    setAsk(null);
    const path = `/${enc(app)}/rest/v2/broadcasts/${enc(id)}`;
    try {
      // A POST carries JSON (the REST gate's CSRF rule), even an empty one.
      const r = what === 'stop' ? await api('POST', `${path}/stop`, {}) : await api('DELETE', path);
      if (r && r.success === false) throw new Error(r.message || `${what} failed`);
      setNotice(what === 'stop' ? `Publisher of ${id} disconnected.` : `Stream ${id} deleted.`);
      setError('');
      refresh();
    } catch (e) { setNotice(''); setError(e.message); }
  };
  const selected = detail && rows ? rows.find((b) => b.streamId === detail) : null;
  return html`
    <h1>Streams</h1>
    <div class="toolbar">
      ${apps.length > 1 && html`<label>Application <select value=${app}
        onChange=${(e) => { setApp(e.target.value); setOffset(0); }}>
        ${apps.map((a) => html`<option value=${a}>${a}</option>`)}</select></label>`}
      <label>Search <input type="search" value=${search}
        onInput=${(e) => { setSearch(e.target.value); setOffset(0); }} /></label>
    </div>
    <${CreateForm} app=${app} onDone=${refresh} />
    ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
    ${notice && html`<p role="status">✓ ${notice}</p>`}
    ${ask && html`<${Confirm} ask=${ask} onYes=${act} onNo=${() => setAsk(null)} />`}
    ${selected && html`<${RenditionsPanel} b=${selected} onClose=${() => setDetail(null)} />`}
    ${playing && html`<${Player} app=${app} stream=${playing.id} kind=${playing.kind}
      onClose=${() => setPlaying(null)} />`}
    ${publishing && html`<${PublishUrl} app=${app} stream=${publishing} onClose=${() => setPublishing(null)} />`}
    <div class="scroll"><table class="grid" aria-label="Streams">
      <thead><tr>${['Id', 'Name', 'Status', 'Origin', 'Viewers', 'Bitrate', 'Renditions', 'Uptime', 'Speed', 'Actions']
        .map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${rows === null ? html`<tr><td colspan="10">Loading…</td></tr>`
        : rows.length === 0 ? html`<tr><td colspan="10">No streams.</td></tr>`
        : rows.map((b) => html`<${Row} key=${b.streamId} b=${b} now=${now}
            onPlay=${(x, kind) => setPlaying({ id: x.streamId, kind })} onPublish=${(x) => setPublishing(x.streamId)}
            onAsk=${(x, what) => setAsk({ what, id: x.streamId })}
            onRenditions=${(x) => setDetail(x.streamId)} />`)}</tbody>
    </table></div>
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - SIZE))}>‹ Previous</button>
      <span>${total ? `${offset + 1}–${Math.min(offset + SIZE, total)} of ${total}` : '0'}</span>
      <button type="button" disabled=${offset + SIZE >= total} onClick=${() => setOffset(offset + SIZE)}>Next ›</button>
    </nav>
    <${Help} />`;
}
