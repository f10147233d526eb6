// Overview: nodes alive and dead by role and the cluster's egress, edges to
// viewers and origins to edges and direct viewers (GET /rest/v2/cluster/nodes,
// each alive node's egressBitrate), the active alerts (GET /rest/v2/cluster/alerts),
// and per application the live streams, their viewers and ingest bit rate
// (GET /{app}/rest/v2/broadcasts/list, the first page of live ones).
import { html, useState, usePoll } from '../html.js';
import { api, enc } from '../api.js';
import { egressSums } from '../egress.js';
import { bitrate, viewers } from '../format.js';

const PAGE = 50;

async function nodeSummary(signal) {
  const nodes = await api('GET', `/rest/v2/cluster/nodes/0/${PAGE}`, undefined, signal);
  const by = {};
  for (const n of nodes) {
    const r = (by[n.role] ||= { alive: 0, dead: 0 });
    r[n.status === 'alive' ? 'alive' : 'dead']++;
  }
  return { by, egress: egressSums(nodes) };
}

async function appSummary(app, signal) {
  const base = `/${enc(app)}/rest/v2/broadcasts`;
  const live = await api('GET', `${base}/active-live-stream-count`, undefined, signal);
  const list = await api('GET', `${base}/list/0/${PAGE}?sort_by=status`, undefined, signal);
  const on = list.filter((b) => b.status === 'broadcasting');
  return {
    app,
    live: live.number,
    hls: on.reduce((s, b) => s + (b.hlsViewerCount || 0), 0),
    dash: on.reduce((s, b) => s + (b.dashViewerCount || 0), 0),
    viewers: on.reduce((s, b) => s + viewers(b), 0),
    bitrate: on.reduce((s, b) => s + (b.bitrate || 0), 0),
  };
}

function Card({ label, value, note }) {
  return html`<div class="card"><div class="label">${label}</div>
    <div class="value">${value}</div>${note && html`<div class="note">${note}</div>`}</div>`;
}

export function Overview() {
  const [data, setData] = useState(null);
  const [error, setError] = useState('');
  usePoll(async (signal) => {
    try {
      const apps = (await api('GET', '/rest/v2/applications', undefined, signal)).applications;
      const [nodes, perApp, alerts] = await Promise.all([
        nodeSummary(signal), Promise.all(apps.map((a) => appSummary(a, signal))),
        api('GET', '/rest/v2/cluster/alerts', undefined, signal)]);
      setData({ nodes, perApp, active: alerts.active });
      setError('');
    } catch (e) {
      if (!signal.aborted) setError(e.message);
    }
  }, 3000, []);
  if (!data) return html`<p class="loading">${error ? '⚠ ' + error : 'Loading…'}</p>`;
  const role = (r) => data.nodes.by[r] || { alive: 0, dead: 0 };
  const egress = data.nodes.egress;
  const ingest = data.perApp.reduce((s, a) => s + a.bitrate, 0);
  return html`
    <h1>Overview</h1>
    ${error && html`<p class="error" role="alert">⚠ ${error} (showing the last answer)</p>`}
    <section class="cards" aria-label="Nodes">
      ${['origin', 'edge'].map((r) => html`
        <${Card} label=${r === 'origin' ? 'Origins' : 'Edges'}
          value=${html`${role(r).alive} alive`}
          note=${role(r).dead ? html`<span class="bad">✖ ${role(r).dead} dead</span>` : '0 dead'} />`)}
      <${Card} label="Active alerts"
        value=${data.active.length ? html`<span class="bad">▲ ${data.active.length}</span>` : '0'}
        note=${html`<a href="#/alerts">${data.active.length
          ? [...new Set(data.active.map((a) => a.rule))].join(', ') : 'none'}</a>`} />
    </section>
    <section class="cards" aria-label="Bit rates">
      <${Card} label="Ingest" value=${bitrate(ingest)} note="from publishers" />
      <${Card} label="Egress to viewers" value=${bitrate(egress.edges)} note="alive edges, summed" />
      <${Card} label="Origin egress" value=${bitrate(egress.origins)}
        note="to edges and direct viewers" />
    </section>
    <h2>Applications</h2>
    <div class="scroll"><table class="grid" aria-label="Applications">
      <thead><tr><th scope="col">Application</th><th scope="col">Live streams</th>
        <th scope="col">Viewers (HLS / DASH)</th><th scope="col">Ingest</th></tr></thead>
      <tbody>${data.perApp.map((a) => html`
        <tr><th scope="row">${a.app}</th><td>${a.live}</td>
          <td>${a.viewers} (${a.hls} / ${a.dash})</td><td>${bitrate(a.bitrate)}</td></tr>`)}
      </tbody>
    </table></div>
    <p class="help">Refreshed every 3 s. Viewer and ingest sums cover the first ${PAGE} streams of each
      application, egress the first ${PAGE} nodes; each node's egress is its rate over its last heartbeat period.</p>`;
}
