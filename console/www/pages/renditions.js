// A live stream's renditions as the broadcast record has them (Fanout's
// "renditions", written by the stream's origin at each heartbeat: what
// its master playlist offers, the source first, then the renditions
// dropped under load).  Renditions() is the table's cell (a button that
// opens the detail), RenditionsPanel the detail of the selected stream.
import { html } from '../html.js';
import { bitrate } from '../format.js';

function label(r) {
  return r.height ? `${r.height}p` : 'audio';
}

export function Renditions({ b, onOpen }) {
  const list = b.status === 'broadcasting' && Array.isArray(b.renditions) ? b.renditions : [];
  if (list.length === 0) return html`<span>—</span>`;
  const offered = list.filter((r) => !r.dropped);
  const dropped = list.length - offered.length;
  return html`<button type="button" class="quiet" onClick=${() => onOpen(b)}
      aria-label=${'Renditions of ' + b.streamId}>${offered.map(label).join(' · ')}${
    dropped ? html` <span class="bad">(${dropped} dropped)</span>` : ''} ▸</button>`;
}

export function RenditionsPanel({ b, onClose }) {
  const list = Array.isArray(b.renditions) ? b.renditions : [];
  return html`
    <section class="panel" aria-label=${'Renditions of ' + b.streamId}>
      <div class="panel-head"><h2>Renditions of ${b.streamId}</h2>
        <button type="button" onClick=${onClose}>Close</button></div>
      ${list.length === 0 ? html`<p>None yet: the stream is not live, or has listed no segment.</p>` : html`
      <div class="scroll"><table class="grid" aria-label=${'Renditions of ' + b.streamId}>
        <thead><tr>${['Rendition', 'Resolution', 'Peak bitrate', 'Average bitrate', 'In the master playlist']
          .map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
        <tbody>${list.map((r) => html`
          <tr key=${r.name}>
            <td class="mono">${r.name}</td>
            <td>${r.height ? `${r.width}×${r.height}` : 'audio only'}</td>
            <td>${bitrate(r.bandwidth)}</td><td>${bitrate(r.averageBandwidth)}</td>
            <td>${r.dropped ? html`<span class="bad">✕ dropped (overload)</span>` : '✓ offered'}</td>
          </tr>`)}</tbody>
      </table></div>`}
      <p class="help">Refreshed by the stream's origin at each heartbeat; speed ${
        Number(b.speed || 0).toFixed(2)}× (1.00 = real time).</p>
    </section>`;
}
