// Alerts: the cluster's active alerts and the last 100 ended, from
// GET /rest/v2/cluster/alerts (origin/README.md "Alerts"; the rules run in
// the cluster, not here), and the thresholds the rules use.  Polled
// every 3 s.  Active alerts carry a sign and the word "active", not a
// colour alone.
import { html, useState, usePoll } from '../html.js';
import { api } from '../api.js';
import { duration } from '../format.js';
import { rememberThresholds } from '../thresholds.js';

// The rule names as stored, in words (alerts/rules.h).
const RULES = {
  nodeDead: 'Node dead',
  highCpu: 'High CPU',
  highMemory: 'High memory',
  slowDatabase: 'Slow database',
  replicationLag: 'Replication lag',
  streamStalled: 'Stream stalled',
  edgeOriginUnreachable: 'Edge cannot reach an origin',
};

function time(ms) {
  if (!(ms > 0)) return '—';
  const d = new Date(ms);
  const same = d.toDateString() === new Date().toDateString();
  return same ? d.toLocaleTimeString() : d.toLocaleString();
}

function value(a) {
  if (a.rule === 'nodeDead') return 'no heartbeat';
  const n = Number(a.value);
  return Number.isFinite(n) ? `${+n.toFixed(1)} (threshold ${+Number(a.threshold).toFixed(1)})` : '—';
}

function Row({ a, now }) {
  const end = a.endTime > 0 ? a.endTime : now;
  const cells = [
    a.active ? html`<span class="status bad">▲ active</span>` : html`<span class="status idle">✓ ended</span>`,
    html`${RULES[a.rule] || a.rule} <code>${a.rule}</code>`,
    html`<span class="mono">${a.subject}</span>`,
    value(a), time(a.startTime), a.endTime > 0 ? time(a.endTime) : '—',
    duration(end - a.startTime), a.message,
  ];
  // data-label: the column's name, shown before the value when a phone
  // stacks the cells (style.css, table.stack).
  return html`
    <tr class=${a.active ? 'alerting' : ''}>
      ${cells.map((c, i) => html`<td data-label=${COLS[i]} class=${i === 7 ? 'message' : null}><span>${c}</span></td>`)}
    </tr>`;
}

const COLS = ['State', 'Rule', 'Node / stream', 'Value', 'Started', 'Ended', 'Duration', 'Message'];

function Table({ label, list, now, empty }) {
  return html`
    <div class="scroll"><table class="grid stack" aria-label=${label}>
      <thead><tr>${COLS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${list.length === 0 ? html`<tr><td colspan=${COLS.length}>${empty}</td></tr>`
        : list.map((a) => html`<${Row} key=${a.id} a=${a} now=${now} />`)}</tbody>
    </table></div>`;
}

function Thresholds({ t }) {
  if (!t) return null;
  const items = [
    ['Node dead', `no heartbeat for ${t.nodeDeadAfterMs / 1000} s`],
    ['CPU', `> ${t.cpuPercent} % for ${t.cpuForS} s`],
    ['Memory', `> ${t.memoryPercent} % for ${t.memoryForS} s`],
    ['Database query', `> ${t.dbQueryMs} ms for ${t.dbQueryForS} s`],
    ['Replication lag', `> ${t.replLagS} s for ${t.replLagForS} s`],
    ['Stream stalled', `no new segment for ${t.streamStallSegments} × hlsTime`],
    ['Clears', `below threshold − ${t.clearMarginPercent} % for ${t.clearForS} s`],
  ];
  return html`
    <details class="panel">
      <summary>Rules in force${t.enabled ? '' : ' (alerts are off: alerts.enabled=false)'}</summary>
      <dl class="thresholds">${items.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    </details>`;
}

export function Alerts() {
  const [data, setData] = useState(null);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  usePoll(async (signal) => {
    try {
      const d = await api('GET', '/rest/v2/cluster/alerts', undefined, signal);
      rememberThresholds(d.thresholds);
      setData(d); setNow(Date.now()); setError('');
    } catch (e) { if (!signal.aborted) setError(e.message); }
  }, 3000, []);
  if (!data) return html`<h1>Alerts</h1><p class="loading">${error ? '⚠ ' + error : 'Loading…'}</p>`;
  return html`
    <h1>Alerts</h1>
    ${error && html`<p class="error" role="alert">⚠ ${error} (showing the last answer)</p>`}
    <h2>Active (${data.active.length})</h2>
    <${Table} label="Active alerts" list=${data.active} now=${now} empty="No active alert." />
    <h2>Ended (${data.recent.length}; the cluster keeps the last 100)</h2>
    <${Table} label="Ended alerts" list=${data.recent} now=${now} empty="No alert has ended yet." />
    <${Thresholds} t=${data.thresholds} />
    <p class="help">Evaluated in the cluster by one origin at a time; times as this browser's
      clock shows them. Refreshed every 3 s.</p>`;
}
