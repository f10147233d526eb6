// One place that binds htm to Preact, so every page imports the same
// h, html and hooks (the vendored files, www/vendor; console/install.sh).
import { h, render } from './vendor/preact.mjs';
import { useState, useEffect, useRef, useCallback } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

export const html = htm.bind(h);
export { h, render, useState, useEffect, useRef, useCallback };

// Runs fn now and every ms while the component is mounted; fn gets an
// AbortSignal that fires on unmount, so a slow answer never lands late.
export function usePoll(fn, ms, deps) {
  useEffect(() => {
    const ctl = new AbortController();
    let timer = null;
    const tick = async () => {
      try { await fn(ctl.signal); } catch (e) { /* fn shows its own errors */ }
      if (!ctl.signal.aborted) timer = setTimeout(tick, ms);
    };
    tick();
    return () => { ctl.abort(); clearTimeout(timer); };
  }, deps);
}
