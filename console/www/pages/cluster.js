// Cluster: every node from GET /rest/v2/cluster/nodes/{offset}/{size}
// (Ant Media's field names), dead ones marked in words and a symbol and
// removable (DELETE /rest/v2/cluster/node/{id}).  cpu and memory are the
// machine's CPU % and memory % (processCpu and processMemory the node
// process's own).  A value over its alert threshold (the alerts.*
// defaults, origin/README.md "Alerts") is marked with a sign and the
// threshold in words, not by colour alone.
import { html, useState, usePoll } from '../html.js';
import { api, enc } from '../api.js';

const SIZE = 50;

function bytes(n) {
  if (!(n > 0)) return '—';
  return n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : Math.round(n / (1 << 20)) + ' MiB';
}

// The alert rules' default thresholds (alerts.cpu_percent,
// alerts.memory_percent, alerts.db_query_ms).
const LIMITS = { cpu: 80, memory: 85, db: 100 };

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

function Row({ n, now, onRemove }) {
  const alive = n.status === 'alive';
  return html`
    <tr class=${alive ? '' : 'dead'}>
      <td class="mono">${n.id}</td><td>${n.role}</td><td>${n.nodeGroup}</td>
      <td class="mono">${n.ip}:${n.httpPort}</td>
      <td><span class=${'status ' + (alive ? 'ok' : 'bad')}>${alive ? '● alive' : '✖ dead'}</span></td>
      <${Metric} value=${n.cpu} limit=${LIMITS.cpu} unit="%" />
      <${Metric} value=${n.memory} limit=${LIMITS.memory} unit="%" />
      <td>${bytes(n.processMemory)}</td>
      <${Metric} value=${n.dbQueryAverageTimeMs} limit=${LIMITS.db} unit="ms" />
      <td>${n.activeStreams}</td><td>${n.viewers}</td><td>${age(now - n.lastUpdateTime)}</td>
      <td>${!alive && html`<button type="button" class="danger" onClick=${() => onRemove(n)}
        aria-label=${'Remove node ' + n.id}>Remove</button>`}</td>
    </tr>`;
}

export function Cluster() {
  const [nodes, setNodes] = useState(null);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  usePoll(async (signal) => {
    try {
      setNodes(await api('GET', `/rest/v2/cluster/nodes/0/${SIZE}`, undefined, signal));
      setNow(Date.now()); setError('');
    } catch (e) { if (!signal.aborted) setError(e.message); }
  }, 3000, [tick]);
  const remove = async (n) => {
    if (!confirm(`Remove dead node ${n.id}?`)) return;
    try { await api('DELETE', `/rest/v2/cluster/node/${enc(n.id)}`); setTick((t) => t + 1); }
    catch (e) { setError(e.message); }
  };
  const cols = ['Node', 'Role', 'Group', 'Address', 'Status', 'CPU', 'Memory', 'Process RSS',
    'DB query', 'Streams', 'Viewers', 'Heartbeat', ''];
  return html`
    <h1>Cluster</h1>
    ${error && html`<p class="error" role="alert">⚠ ${error}</p>`}
    <div class="scroll"><table class="grid" aria-label="Nodes">
      <thead><tr>${cols.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${nodes === null ? html`<tr><td colspan=${cols.length}>Loading…</td></tr>`
        : nodes.map((n) => html`<${Row} key=${n.id} n=${n} now=${now} onRemove=${remove} />`)}</tbody>
    </table></div>
    <p class="help">Heartbeat: time since the node last wrote to the store (as this browser's clock
      sees it). Refreshed every 3 s.</p>`;
}
