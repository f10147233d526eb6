// Cluster: every node from GET /rest/v2/cluster/nodes/{offset}/{size}
// (Ant Media's field names), dead ones marked in words and a symbol and
// removable (DELETE /rest/v2/cluster/node/{id}).  cpu and memory are the
// machine's CPU % and memory % (processCpu and processMemory the node
// process's own).  A value over its alert threshold (the alerts.*
// defaults, origin/README.md "Alerts") is marked with a sign and the
// threshold in words, not by colour alone.  Below the table, one chart per
// node of CPU, memory and viewers over the last hour (node_chart.js), from
// GET /rest/v2/cluster/node-history: the samples the cluster keeps in its
// store, read once per sample period (not every 3 s: they change no
// faster).
import { html, useState, usePoll } from '../html.js';
import { api, enc } from '../api.js';
import { Legend, NodeChart } from './node_chart.js';
import { useThresholds } from '../thresholds.js';

const SIZE = 50;

function bytes(n) {
  if (!(n > 0)) return '—';
  return n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : Math.round(n / (1 << 20)) + ' MiB';
}

// Before the cluster's thresholds have come (thresholds.js): no mark.
const UNKNOWN = { cpu: Infinity, memory: Infinity, db: Infinity };

function Metric({ value, limit, unit }) {
  const v = Number(value);
  if (!Number.isFinite(v)) return html`<td>—</td>`;
  const over = v > limit;
  return html`<td class=${over ? 'over' : ''}>${v.toFixed(1)} ${unit}${over
    && html` <strong>▲ over ${limit} ${unit}</strong>`}</td>`;
}

function age(ms) {
  if (!(ms >= 0)) return '—';
  return ms < 120000 ? Math.round(ms / 1000) + ' s' : Math.round(ms / 60000) + ' min';
}

function Row({ n, now, limits, onRemove }) {
  const alive = n.status === 'alive';
  return html`
    <tr class=${alive ? '' : 'dead'}>
      <td class="mono">${n.id}</td><td>${n.role}</td><td>${n.nodeGroup}</td>
      <td class="mono">${n.ip}:${n.httpPort}</td>
      <td><span class=${'status ' + (alive ? 'ok' : 'bad')}>${alive ? '● alive' : '✖ dead'}</span></td>
      <${Metric} value=${n.cpu} limit=${limits.cpu} unit="%" />
      <${Metric} value=${n.memory} limit=${limits.memory} unit="%" />
      <td>${bytes(n.processMemory)}</td>
      <${Metric} value=${n.dbQueryAverageTimeMs} limit=${limits.db} unit="ms" />
      <td>${n.activeStreams}</td><td>${n.viewers}</td><td>${age(now - n.lastUpdateTime)}</td>
      <td>${!alive && html`<button type="button" class="danger" onClick=${() => onRemove(n)}
        aria-label=${'Remove node ' + n.id}>Remove</button>`}</td>
    </tr>`;
}

// The history's refresh period: the sample period, within 3–30 s.
function historyPeriod(h) {
  return Math.min(30000, Math.max(3000, (h && h.sampleIntervalMs) || 30000));
}

function Charts({ nodes, history, limits }) {
  if (nodes === null || history === null || limits === null) {
    return html`<p class="help">Loading the charts…</p>`;
  }
  const byId = new Map(history.nodes.map((s) => [s.id, s]));
  return html`
    <${Legend} limits=${limits} />
    <div class="charts">${nodes.map((n) => html`<${NodeChart} key=${n.id} node=${n}
      s=${byId.get(n.id)} h=${history} limits=${limits} />`)}</div>`;
}

export function Cluster() {
  const [nodes, setNodes] = useState(null);
  const [history, setHistory] = useState(null);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const limits = useThresholds();
  usePoll(async (signal) => {
    try {
      setNodes(await api('GET', `/rest/v2/cluster/nodes/0/${SIZE}`, undefined, signal));
      setNow(Date.now()); setError('');
    } catch (e) { if (!signal.aborted) setError(e.message); }
  }, 3000, [tick]);
  const period = historyPeriod(history);
  usePoll(async (signal) => {
    try { setHistory(await api('GET', '/rest/v2/cluster/node-history', undefined, signal)); }
    catch (e) { if (!signal.aborted) setError(e.message); }
  }, period, [tick, period]);
  const remove = async (n) => {
    if (!confirm(`Remove dead node ${n.id}? Its chart history goes too.`)) return;
    try { await api('DELETE', `/rest/v2/cluster/node/${enc(n.id)}`); setTick((t) => t + 1); }
    catch (e) { setError(e.message); }
  };
  const cols = ['Node', 'Role', 'Group', 'Address', 'Status', 'CPU', 'Memory', 'Process RSS',
    'DB query', 'Streams', 'Viewers', 'Heartbeat', ''];
  return html`
    <h1>Cluster</h1>
    ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
    <div class="scroll"><table class="grid nodes" aria-label="Nodes">
      <thead><tr>${cols.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${nodes === null ? html`<tr><td colspan=${cols.length}>Loading…</td></tr>`
        : nodes.map((n) => html`<${Row} key=${n.id} n=${n} now=${now}
          limits=${limits || UNKNOWN} onRemove=${remove} />`)}</tbody>
    </table></div>
    <p class="help">Heartbeat: time since the node last wrote to the store (as this browser's clock
      sees it). Refreshed every 3 s.</p>
    <section aria-labelledby="charts-h">
      <h2 id="charts-h">Last ${history ? Math.round(history.windowMs / 60000) + ' min' : 'hour'}</h2>
      <${Charts} nodes=${nodes} history=${history} limits=${limits} />
      <p class="help">${history ? `One sample per node every ${history.sampleIntervalMs / 1000} s
        (alerts.sample_interval_ms), kept in the cluster store; read every ${period / 1000} s. `
        : ''}A gap is a time the node was dead.</p>
    </section>`;
}
