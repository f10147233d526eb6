// The alert thresholds the cluster uses, read from the server (the
// "thresholds" object of GET /rest/v2/cluster/alerts: the alerts.* keys,
// origin/README.md "Alerts"), so that a page marks exactly what the
// rules raise.  One fetch serves every page: the answer is kept for
// MAX_AGE_MS and concurrent callers share the request in flight.
import { useState, useEffect } from './html.js';
import { api } from './api.js';

const MAX_AGE_MS = 30000;

let cached = null;   // { at, value }
let inFlight = null;

// The server's thresholds object; the alerts answer when a caller has one
// (fresh data from the Alerts page's own poll).
export function rememberThresholds(thresholds) {
  if (thresholds) cached = { at: Date.now(), value: thresholds };
}

export async function fetchThresholds() {
  if (cached && Date.now() - cached.at < MAX_AGE_MS) return cached.value;
  if (!inFlight) {
    inFlight = api('GET', '/rest/v2/cluster/alerts')
      .then((a) => { rememberThresholds(a.thresholds); return a.thresholds; })
      .finally(() => { inFlight = null; });
  }
  return inFlight;
}

// { cpu, memory, db } in the Cluster page's units (%, %, ms), plus the
// whole server object as `all`; null until the first answer (a page shows
// no mark rather than a guessed one).  Re-read every MAX_AGE_MS.
export function useThresholds() {
  const [limits, setLimits] = useState(cached ? toLimits(cached.value) : null);
  useEffect(() => {
    let live = true;
    let timer = null;
    const tick = async () => {
      try {
        const t = await fetchThresholds();
        if (live) setLimits(toLimits(t));
      } catch (e) { /* the page shows its own errors; keep the last */ }
      if (live) timer = setTimeout(tick, MAX_AGE_MS);
    };
    tick();
    return () => { live = false; clearTimeout(timer); };
  }, []);
  return limits;
}

export function toLimits(t) {
  return { cpu: t.cpuPercent, memory: t.memoryPercent, db: t.dbQueryMs, all: t };
}
