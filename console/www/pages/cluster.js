// Cluster: every node from GET /rest/v2/cluster/nodes/{offset}/{size}
// (Ant Media's field names), dead ones marked in words and a symbol and
// removable (DELETE /rest/v2/cluster/node/{id}).  cpu and memory are what
// nodes report today (the process's CPU % and resident bytes); system
// CPU %, memory % and their thresholds come with the node metrics.
import { html, useState, usePoll } from '../html.js';
import { api, enc } from '../api.js';

const SIZE = 50;

function bytes(n) {
  if (!(n > 0)) return '—';
  return n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : Math.round(n / (1 << 20)) + ' MiB';
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
      <td>${Number(n.cpu).toFixed(1)} %</td><td>${bytes(n.memory)}</td>
      <td>${Number(n.dbQueryAverageTimeMs).toFixed(1)} ms</td>
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
  const cols = ['Node', 'Role', 'Group', 'Address', 'Status', 'CPU (process)', 'Memory (RSS)',
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
