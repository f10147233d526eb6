// The node charts' arithmetic (pages/node_chart.js): runs of samples, the
// scaling of a run into SVG coordinates, a round axis top and a series'
// summary.  No DOM and no imports, so that node --test runs it
// (tests/console/chart_scale_test.mjs, ctest console_chart_scale).

// The samples of one series split where the line must break: more than
// gapMs between two samples (the node was dead, or no origin sampled), or
// an unknown value (< 0, or not a number).  Each run is [{t, v}, ...].
export function runs(times, values, gapMs) {
  const out = [];
  let run = [];
  for (let i = 0; i < times.length; i++) {
    const t = times[i], v = values[i];
    const known = typeof v === 'number' && Number.isFinite(v) && v >= 0;
    const prev = run.length ? run[run.length - 1].t : null;
    if (!known || (prev !== null && t - prev > gapMs)) {
      if (run.length) out.push(run);
      run = [];
    }
    if (known) run.push({ t, v });
  }
  if (run.length) out.push(run);
  return out;
}

// The run's points inside box {x0, x1, top, bottom} for times t0..t1 (left
// to right) and values v0..v1 (bottom to top), each clamped into the box;
// rounded to 0.1 px.
export function points(run, box, t0, t1, v0, v1) {
  const r = (x) => Math.round(x * 10) / 10;
  const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
  const dt = t1 > t0 ? t1 - t0 : 1, dv = v1 > v0 ? v1 - v0 : 1;
  return run.map(({ t, v }) => [
    r(box.x0 + (box.x1 - box.x0) * clamp((t - t0) / dt, 0, 1)),
    r(box.bottom - (box.bottom - box.top) * clamp((v - v0) / dv, 0, 1)),
  ]);
}

// A round top for a count axis at or above v: 1, 2, 5, 10, 20, 50, ...
export function niceMax(v) {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// {last, min, max} over the known values (>= 0), or null when none is.
export function stats(values) {
  const known = values.filter((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  if (!known.length) return null;
  return { last: known[known.length - 1], min: Math.min(...known), max: Math.max(...known) };
}

// "60 min ago" / "2 min ago" / "45 s ago" for an axis label at ms before now.
export function ago(ms) {
  if (ms <= 0) return 'now';
  return ms >= 120000 ? `${Math.round(ms / 60000)} min ago` : `${Math.round(ms / 1000)} s ago`;
}
