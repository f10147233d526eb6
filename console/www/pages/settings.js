// Settings: an application's settings through Ant Media's
// GET / PUT /rest/v2/applications/settings/{app} (origin/README.md):
// the ladder (encoderSettingsString, as rows), the encoder's knobs, HLS and
// the MPD's window, the stream token controls and the webhook URL.  A save sends only the
// keys the user changed (the PUT is partial); a 400 shows the server's
// message next to the input it names, and nothing is changed (the server
// applies all or nothing).  Not polled: a refresh would undo edits; it
// reloads after a save and on "Reload".
import { html, useState, useEffect } from '../html.js';
import { api, enc } from '../api.js';
import { Input, Check, Select, Ladder, fieldOf } from './settings_fields.js';

const NUMBERS = ['hlsTime', 'hlsListSize', 'dashWindowSize', 'gopSize', 'encoderThreads'];
const STRINGS = ['encoderPreset', 'encoderSelectionPreference', 'hlsSegmentType',
  'listenerHookURL', 'jwtStreamSecretKey', 'tokenHashSecret'];
const TOKEN_CHECKS = [
  ['publishTokenControlEnabled', 'Publishing needs a one-time token'],
  ['publishJwtControlEnabled', 'Publishing needs a JWT'],
  ['hashControlPublishEnabled', 'Publishing needs a hash token'],
  ['playTokenControlEnabled', 'Playing needs a one-time token'],
  ['playJwtControlEnabled', 'Playing needs a JWT'],
  ['acceptUndefinedStreams', 'Accept streams not created first'],
];
const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium',
  'slow', 'slower', 'veryslow'];
const KNOWN = [...NUMBERS, ...STRINGS, ...TOKEN_CHECKS.map(([k]) => k)];

// The server's answer as the form's values (strings for inputs).
function toForm(s) {
  const form = {};
  for (const k of NUMBERS) form[k] = s[k] === undefined ? '' : String(s[k]);
  for (const k of STRINGS) form[k] = s[k] === undefined ? '' : String(s[k]);
  for (const [k] of TOKEN_CHECKS) form[k] = !!s[k];
  return form;
}

function toRows(s) {
  return (s.encoderSettings || []).map((r) => ({
    height: String(r.height), videoBitrate: String(r.videoBitrate),
    audioBitrate: String(r.audioBitrate), forceEncode: !!r.forceEncode }));
}

// An integer when the text is one; else the text, for the server to name.
const num = (v) => (/^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v);

// The PUT body: only what differs from what the server answered.
function changes(loaded, form, rows) {
  const before = toForm(loaded);
  const body = {};
  for (const k of KNOWN) {
    if (form[k] === before[k]) continue;
    body[k] = NUMBERS.includes(k) ? num(form[k]) : form[k];
  }
  if (JSON.stringify(rows) !== JSON.stringify(toRows(loaded))) {
    body.encoderSettingsString = JSON.stringify(rows.map((r) => ({
      height: num(r.height), videoBitrate: num(r.videoBitrate),
      audioBitrate: num(r.audioBitrate), forceEncode: r.forceEncode })));
  }
  return body;
}

function focusField(id) {
  requestAnimationFrame(() => { const el = document.getElementById(id); if (el) el.focus(); });
}

export function Settings() {
  const [apps, setApps] = useState([]);
  const [app, setApp] = useState('');
  const [loaded, setLoaded] = useState(null);
  const [form, setForm] = useState({});
  const [rows, setRows] = useState([]);
  const [error, setError] = useState({ field: '', message: '' });
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async (name) => {
    const s = await api('GET', `/rest/v2/applications/settings/${enc(name)}`);
    setLoaded(s); setForm(toForm(s)); setRows(toRows(s));
  };
  useEffect(() => {
    api('GET', '/rest/v2/applications').then((a) => {
      setApps(a.applications); if (a.applications.length) setApp(a.applications[0]);
    }).catch((e) => setError({ field: '', message: e.message }));
  }, []);
  useEffect(() => {
    if (!app) return;
    setLoaded(null); setStatus(''); setError({ field: '', message: '' });
    load(app).catch((e) => setError({ field: '', message: e.message }));
  }, [app]);

  const set = (k, v) => setForm((f) => ({ ...f, [k]: v }));
  const save = async (ev) => {
    ev.preventDefault();
    const body = changes(loaded, form, rows);
    setError({ field: '', message: '' });
    if (!Object.keys(body).length) { setStatus('Nothing changed.'); return; }
    setBusy(true); setStatus('');
    try {
      const r = await api('PUT', `/rest/v2/applications/settings/${enc(app)}`, body);
      await load(app);
      setStatus(`Saved ${Object.keys(body).join(', ')}; the next publish of ${app} uses them.`
        + (r && r.message ? ` (${r.message})` : ''));
    } catch (e) {
      const field = e.status === 400 ? fieldOf(e.message, KNOWN) : '';
      setError({ field, message: e.message });
      if (field) focusField(field);
    } finally {
      setBusy(false);
    }
  };
  const reset = () => { setForm(toForm(loaded)); setRows(toRows(loaded)); setStatus('');
    setError({ field: '', message: '' }); };
  const p = { form, set, error };

  return html`
    <h1>Settings</h1>
    <div class="toolbar">
      <label for="app">Application</label>
      <select id="app" value=${app} onChange=${(e) => setApp(e.target.value)}>
        ${apps.map((a) => html`<option value=${a}>${a}</option>`)}
      </select>
    </div>
    ${error.message && !error.field && html`<p class="error" role="alert">⚠ ${error.message}</p>`}
    ${loaded === null ? html`<p class="loading">Loading…</p>` : html`
    <form class="settings" onSubmit=${save} aria-label=${'Settings of ' + app}>
      <${Ladder} rows=${rows} setRows=${setRows} error=${error} />
      <fieldset class="grid"><legend>Encoder</legend>
        <${Select} id="encoderPreset" label="x264 preset" options=${PRESETS} ...${p} />
        <${Input} id="gopSize" label="GOP size (frames, 0: the source's)" type="text" inputmode="numeric" ...${p} />
        <${Input} id="encoderThreads" label="Encoder threads per rendition (0: libx264 chooses)" inputmode="numeric" ...${p} />
        <${Select} id="encoderSelectionPreference" label="Encoder selection"
          options=${['cpu', 'gpu_and_cpu']} ...${p} />
      </fieldset>
      <fieldset class="grid"><legend>HLS and DASH</legend>
        <${Input} id="hlsTime" label="Segment duration hlsTime (s)" inputmode="numeric" ...${p}
          help="1–60 s; this application's next publish uses it (origin.properties' hlsTime is the default)." />
        <${Input} id="hlsListSize" label="Playlist length hlsListSize" inputmode="numeric" ...${p} />
        <${Input} id="hlsSegmentType" label="Segment type hlsSegmentType" ...${p} />
        <${Input} id="dashWindowSize" label="MPD length dashWindowSize (segments)" inputmode="numeric" ...${p}
          help="Origin-wide (origin.properties); by default long enough for DASH players to outlast an origin's pause." />
      </fieldset>
      <fieldset class="grid"><legend>Stream tokens</legend>
        ${TOKEN_CHECKS.map(([k, label]) => html`<${Check} id=${k} label=${label} ...${p} />`)}
        <${Input} id="jwtStreamSecretKey" label="JWT secret jwtStreamSecretKey" type="password"
          autocomplete="off" help="******** keeps the stored secret." ...${p} />
        <${Input} id="tokenHashSecret" label="Hash secret tokenHashSecret" type="password"
          autocomplete="off" ...${p} />
      </fieldset>
      <fieldset><legend>Webhook</legend>
        <${Input} id="listenerHookURL" label="Webhook URL listenerHookURL" inputmode="url" ...${p}
          help="Where this application's stream events go, from its next publish; empty: none." />
      </fieldset>
      <div class="toolbar">
        <button type="submit" disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button>
        <button type="button" onClick=${reset} disabled=${busy}>Undo changes</button>
        <span role="status" class="help">${status}</span>
      </div>
    </form>`}`;
}
