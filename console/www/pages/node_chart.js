// One node's chart on the Cluster page: CPU % and memory % (0–100, with
// their alert thresholds) above, viewers below, over the history window
// (GET /rest/v2/cluster/node-history: an hour at the default sample
// period).  Inline SVG, no chart library.  Colour is never the only
// signal: CPU is a solid line, memory a dashed one, thresholds dotted and
// labelled; the SVG's <title>/<desc> and the caption under it say the
// last, lowest and highest values and what is over its threshold in words.
import { html } from '../html.js';
import { ago, niceMax, points, runs, stats } from '../chart_scale.js';

// The plots between LEFT and RIGHT; the thresholds' labels right of them.
const W = 384, LEFT = 40, RIGHT = 328;
const PCT = { x0: LEFT, x1: RIGHT, top: 8, bottom: 88 };
const VIEW = { x0: LEFT, x1: RIGHT, top: 104, bottom: 144 };
const H = 164;
const STYLE = {
  cpu: { stroke: '#0b57d0', dash: '' },
  memory: { stroke: '#8250df', dash: '6 3' },
  viewers: { stroke: '#1a7f37', dash: '' },
};

function y(box, v, v0, v1) {
  return box.bottom - ((box.bottom - box.top) * (v - v0)) / (v1 - v0);
}

// A series as polylines (one per run), and a dot for a sample a line
// cannot show: one alone in its run, or any while there are few (dense
// dots would hide the dashes that tell memory from CPU).
function Series({ name, s, box, t0, t1, v1, gapMs }) {
  const st = STYLE[name];
  const rs = runs(s.time, s[name], gapMs).map((r) => points(r, box, t0, t1, 0, v1));
  const few = s.time.length <= 12;
  const dots = rs.filter((p) => few || p.length === 1).flat();
  return html`<g class=${'series ' + name} data-points=${rs.reduce((n, r) => n + r.length, 0)}>
    ${rs.map((p) => html`<polyline fill="none" stroke=${st.stroke} stroke-width="1.8"
      stroke-dasharray=${st.dash} points=${p.map((q) => q.join(',')).join(' ')} />`)}
    ${dots.map(([cx, cy]) => html`<circle cx=${cx} cy=${cy} r="2.2" fill=${st.dash ? '#fff' : st.stroke}
      stroke=${st.stroke} stroke-width="1.2" />`)}
  </g>`;
}

function Threshold({ v, label, dy }) {
  const yy = y(PCT, v, 0, 100);
  return html`<g class="threshold">
    <line x1=${LEFT} x2=${RIGHT} y1=${yy} y2=${yy} stroke="#b42318" stroke-width="1"
      stroke-dasharray="2 2" />
    <text x=${RIGHT + 3} y=${yy + dy} font-size="10" fill="#b42318">${label}</text>
  </g>`;
}

function describe(name, unit, st, limit) {
  if (!st) return `${name}: no samples`;
  const u = unit === '%' ? ' %' : '';
  const over = limit !== undefined && st.last > limit ? ` ▲ over ${limit} %` : '';
  return `${name} ${st.last}${u} now (lowest ${st.min}${u}, highest ${st.max}${u})${over}`;
}

// The node's summary in words: the chart's <desc> and its caption.
export function summary(s, limits) {
  if (!s || !s.time.length) return 'No samples yet.';
  return [describe('CPU', '%', stats(s.cpu), limits.cpu),
    describe('memory', '%', stats(s.memory), limits.memory),
    describe('viewers', '', stats(s.viewers))].join('; ') + `; ${s.time.length} samples.`;
}

function Axes({ t0, t1, vmax }) {
  const lbl = (x, yy, t, anchor = 'end') => html`<text x=${x} y=${yy} font-size="10"
    text-anchor=${anchor} fill="#57606a">${t}</text>`;
  return html`<g class="axes">
    <rect x=${LEFT} y=${PCT.top} width=${RIGHT - LEFT} height=${PCT.bottom - PCT.top}
      fill="none" stroke="#d0d7de" />
    <rect x=${LEFT} y=${VIEW.top} width=${RIGHT - LEFT} height=${VIEW.bottom - VIEW.top}
      fill="none" stroke="#d0d7de" />
    ${lbl(LEFT - 4, PCT.top + 4, '100 %')}${lbl(LEFT - 4, y(PCT, 50, 0, 100) + 3, '50 %')}
    ${lbl(LEFT - 4, PCT.bottom, '0 %')}
    ${lbl(LEFT - 4, VIEW.top + 4, String(vmax))}${lbl(LEFT - 4, VIEW.bottom, '0')}
    ${lbl(LEFT, H - 4, ago(t1 - t0), 'start')}${lbl((LEFT + RIGHT) / 2, H - 4, ago((t1 - t0) / 2), 'middle')}
    ${lbl(RIGHT, H - 4, 'now')}
  </g>`;
}

// node: the row of /cluster/nodes; s: its history series (or undefined);
// h: the history answer (window, now); limits: useThresholds() (thresholds.js).
export function NodeChart({ node, s, h, limits }) {
  const alive = node.status === 'alive';
  const t1 = h.now, t0 = h.now - h.windowMs;
  const gapMs = Math.max(2.5 * h.sampleIntervalMs, 10000);
  const series = s || { time: [], cpu: [], memory: [], viewers: [] };
  const vst = stats(series.viewers);
  const vmax = niceMax(vst ? vst.max : 0);
  const id = 'chart-' + node.id;
  const words = summary(s, limits);
  return html`
    <figure class=${'chart' + (alive ? '' : ' dead')} aria-labelledby=${id + '-cap'}>
      <figcaption id=${id + '-cap'}>
        <strong class="mono">${node.id}</strong> ${node.role}
        ${alive ? html` <span class="status ok">● alive</span>`
          : html` <span class="status bad">✖ dead</span>`}
      </figcaption>
      <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby=${id + '-t ' + id + '-d'}>
        <title id=${id + '-t'}>${node.id}: CPU, memory and viewers, the last ${ago(h.windowMs).replace(' ago', '')}</title>
        <desc id=${id + '-d'}>${words}</desc>
        <${Axes} t0=${t0} t1=${t1} vmax=${vmax} />
        <${Threshold} v=${limits.memory} label=${`mem ${limits.memory} %`} dy=${-2} />
        <${Threshold} v=${limits.cpu} label=${`CPU ${limits.cpu} %`} dy=${10} />
        <${Series} name="cpu" s=${series} box=${PCT} t0=${t0} t1=${t1} v1=${100} gapMs=${gapMs} />
        <${Series} name="memory" s=${series} box=${PCT} t0=${t0} t1=${t1} v1=${100} gapMs=${gapMs} />
        <${Series} name="viewers" s=${series} box=${VIEW} t0=${t0} t1=${t1} v1=${vmax} gapMs=${gapMs} />
      </svg>
      <p class="help summary">${words}</p>
    </figure>`;
}

// The key to the lines, once above the charts.
export function Legend({ limits }) {
  const key = (name, label) => html`<span class="key"><svg width="28" height="10" aria-hidden="true">
    <line x1="1" x2="27" y1="5" y2="5" stroke=${STYLE[name].stroke} stroke-width="2"
      stroke-dasharray=${STYLE[name].dash} /></svg> ${label}</span>`;
  return html`<p class="legend help">${key('cpu', 'CPU % (solid)')} ${key('memory', 'memory % (dashed)')}
    ${key('viewers', 'viewers (lower panel)')}
    <span class="key"><svg width="28" height="10" aria-hidden="true"><line x1="1" x2="27" y1="5" y2="5"
      stroke="#b42318" stroke-dasharray="2 2" /></svg> ${`thresholds (CPU ${limits.cpu} %, memory ${limits.memory} %)`}</span></p>`;
}
