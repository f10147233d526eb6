// Numbers for people: bit rates, durations, ages.
export function bitrate(bps) {
  if (!bps) return '—';
  if (bps >= 1e6) return (bps / 1e6).toFixed(1) + ' Mb/s';
  return Math.round(bps / 1e3) + ' kb/s';
}

export function duration(ms) {
  if (!(ms > 0)) return '—';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${r}s` : `${r}s`;
}

export function viewers(b) {
  return (b.hlsViewerCount || 0) + (b.dashViewerCount || 0);
}
