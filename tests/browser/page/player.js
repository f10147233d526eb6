// What the failover tests read from each player, in window.fanoutPlayers:
//   samples   [wall ms, currentTime, paused, readyState, buffered ahead s]
//             every SAMPLE_MS
//   freezes   {start, end, ms}: currentTime did not advance from start
//             (wall ms of its last advance) to end (the next advance; null
//             while it lasts) after the player first played; >= FREEZE_MS
//   errors    every hls.js error (fatal or not) and every dash.js error
//             event (all marked fatal: embedding players give up on DASH at
//             that event, issue #12); past MAX_EVENTS only fatal ones,
//             the others counted in `dropped`
//   hls       levels: each LEVEL_LOADED's startSN/endSN/startCC/endCC/live;
//             seqDecreases: a startSN lower than the one before it
//   dash      periods: every Period id seen (manifests, stream switches)
// Players use their libraries' defaults, as an embedding page does; none
// recovers from a fatal error, and nothing reloads the page.
'use strict';

const SAMPLE_MS = 100;
const FREEZE_MS = 300;
const MAX_EVENTS = 500;

function newLog(kind, url) {
  return {
    kind, url, startedAt: Date.now(), playingAt: null,
    samples: [], freezes: [], errors: [], events: [],
    levels: [], seqDecreases: [], periods: [], manifests: [],
    lastCT: null, lastAdvance: null, dropped: 0,
  };
}

// Lists are bounded; a fatal error is always kept (hls.js can raise
// hundreds of non-fatal ones a second while a fetch fails).
function push(list, item, log) {
  if (list.length < MAX_EVENTS || item.fatal) list.push(item);
  else if (log) log.dropped++;
}

function sample(log, video) {
  const now = Date.now();
  const ct = video.currentTime;
  let ahead = 0;
  const b = video.buffered;
  for (let i = 0; i < b.length; i++) {
    if (b.start(i) <= ct + 0.1 && b.end(i) > ct) ahead = b.end(i) - ct;
  }
  log.samples.push([now, +ct.toFixed(3), video.paused ? 1 : 0,
                    video.readyState, +ahead.toFixed(3)]);
  if (log.playingAt === null && ct > 0 && !video.paused) log.playingAt = now;
  if (log.playingAt === null) return;
  if (log.lastCT === null || ct > log.lastCT + 0.001) {
    const open = log.freezes.length && log.freezes[log.freezes.length - 1];
    if (open && open.end === null) {
      open.end = now;
      open.ms = now - open.start;
    }
    log.lastCT = ct;
    log.lastAdvance = now;
    return;
  }
  // Not advancing while it should play.
  const ms = now - log.lastAdvance;
  if (ms < FREEZE_MS) return;
  const open = log.freezes.length && log.freezes[log.freezes.length - 1];
  if (open && open.end === null) open.ms = ms;
  else log.freezes.push({start: log.lastAdvance, end: null, ms});
}

function mediaEvents(log, video) {
  for (const name of ['playing', 'waiting', 'stalled', 'ended', 'emptied',
                      'pause', 'error']) {
    video.addEventListener(name, () => push(log.events, {
      t: Date.now(), name, ct: video.currentTime,
      code: name === 'error' && video.error ? video.error.code : undefined,
    }));
  }
}

function startHls(url, video, debug) {
  const log = newLog('hls', url);
  const hls = new Hls(debug ? {debug: true} : {});
  hls.on(Hls.Events.ERROR, (_, d) => push(log.errors, {
    t: Date.now(), type: d.type, details: d.details, fatal: !!d.fatal,
    status: d.response ? d.response.code : undefined,
    url: d.url || (d.frag && d.frag.url) || (d.context && d.context.url),
    reason: d.reason || (d.error && d.error.message),
  }, log));
  hls.on(Hls.Events.LEVEL_LOADED, (_, d) => {
    const det = d.details;
    const prev = log.levels.length ? log.levels[log.levels.length - 1] : null;
    const lv = {t: Date.now(), startSN: det.startSN, endSN: det.endSN,
                startCC: det.startCC, endCC: det.endCC, live: det.live};
    if (prev && lv.startSN < prev.startSN) {
      push(log.seqDecreases, {t: lv.t, from: prev.startSN, to: lv.startSN});
    }
    push(log.levels, lv);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return {log, player: hls};
}

function dashPeriods(log, ids, t) {
  for (const id of ids) {
    if (id !== undefined && id !== null && !log.periods.includes(String(id))) {
      log.periods.push(String(id));
    }
  }
  push(log.manifests, {t, periods: ids.map(String)});
}

function startDash(url, video, debug) {
  const log = newLog('dash', url);
  const player = dashjs.MediaPlayer().create();
  if (debug) {
    player.updateSettings({debug: {logLevel: 5}});  // LOG_LEVEL_DEBUG
  }
  const ev = dashjs.MediaPlayer.events;
  player.on(ev.ERROR, (e) => {
    const err = e.error || {};
    push(log.errors, {t: Date.now(), type: 'error', fatal: true,
                      code: err.code, details: err.message}, log);
  });
  player.on(ev.PLAYBACK_ERROR, (e) => push(log.errors, {
    t: Date.now(), type: 'playbackError', fatal: true,
    details: e.error && (e.error.message || e.error.code)}));
  player.on(ev.MANIFEST_LOADED, (e) => {
    const m = e.data || {};
    const ps = m.Period || m.Period_asArray || [];
    dashPeriods(log, (Array.isArray(ps) ? ps : [ps]).map((p) => p.id),
                Date.now());
  });
  player.on(ev.PERIOD_SWITCH_COMPLETED, (e) => {
    if (e.toStreamInfo) dashPeriods(log, [e.toStreamInfo.id], Date.now());
  });
  player.initialize(video, url, true);
  return {log, player};
}

function show(id, log, video) {
  const last = log.levels.length ? log.levels[log.levels.length - 1] : null;
  const longest = Math.max(0, ...log.freezes.map((f) => f.ms));
  const fatal = log.errors.filter((e) => e.fatal).length;
  document.getElementById(id + '-state').textContent =
    `currentTime ${video.currentTime.toFixed(2)}  ` +
    `longest freeze ${(longest / 1000).toFixed(2)} s\n` +
    `errors ${log.errors.length} (fatal ${fatal})` +
    (last ? `  media sequence ${last.startSN}..${last.endSN}` : '') +
    (log.periods.length ? `  periods ${log.periods.join(',')}` : '') +
    `\n${new Date().toISOString()}`;
}

window.fanoutPlayers = {};
window.fanoutLibs = {};     // the hls.js and dash.js instances

// The renditions each player offers and the one it plays:
// {hls: {levels: [{width, height, bitrate}], current, loading, videoHeight},
//  dash: {levels: [{id, width, height, bandwidth}], current, videoHeight}}.
window.fanoutLevels = function () {
  const out = {};
  const hls = window.fanoutLibs.hls;
  if (hls) {
    out.hls = {
      levels: hls.levels.map((l) => ({width: l.width, height: l.height,
                                      bitrate: l.bitrate})),
      current: hls.currentLevel, loading: hls.loadLevel,
      videoHeight: document.getElementById('hls').videoHeight,
    };
  }
  const dash = window.fanoutLibs.dash;
  if (dash) {
    let reps = [];
    try { reps = dash.getRepresentationsByType('video') || []; } catch (e) {}
    const cur = dash.getCurrentRepresentationForType('video');
    out.dash = {
      levels: reps.map((r) => ({id: r.id, width: r.width, height: r.height,
                                bandwidth: r.bandwidth})),
      current: cur ? cur.id : null,
      videoHeight: document.getElementById('dash').videoHeight,
    };
  }
  return out;
};

// Plays rendition i by hand ({hls: i, dash: i}; either may be left out):
// hls.currentLevel = i (Ant Media's players do this for a quality menu);
// dash.js with ABR off, then its Representation i.
window.fanoutSetLevel = function (which) {
  if (which.hls != null && window.fanoutLibs.hls) {
    window.fanoutLibs.hls.currentLevel = which.hls;
  }
  const dash = window.fanoutLibs.dash;
  if (which.dash != null && dash) {
    dash.updateSettings({streaming: {abr: {autoSwitchBitrate: {video: false}}}});
    dash.setRepresentationForTypeByIndex('video', which.dash, true);
  }
  return window.fanoutLevels();
};

// start({hls: url, dash: url}): either may be left out.
// urls.debug: the libraries' own debug logs on the console (the driver
// keeps them with FANOUT_PLAYER_DEBUG=1); off, each plays with its
// defaults.
window.fanoutStart = function (urls) {
  for (const kind of ['hls', 'dash']) {
    if (!urls[kind]) continue;
    const video = document.getElementById(kind);
    document.getElementById(kind + '-url').textContent = urls[kind];
    const p = kind === 'hls' ? startHls(urls[kind], video, urls.debug)
                             : startDash(urls[kind], video, urls.debug);
    mediaEvents(p.log, video);
    window.fanoutPlayers[kind] = p.log;
    window.fanoutLibs[kind] = p.player;
    setInterval(() => {
      sample(p.log, video);
      show(kind, p.log, video);
    }, SAMPLE_MS);
  }
  return Object.keys(window.fanoutPlayers);
};

// The logs; without withSamples only the last 50 samples (cheap polls).
window.fanoutSnapshot = function (withSamples) {
  const out = {};
  for (const [kind, log] of Object.entries(window.fanoutPlayers)) {
    const copy = Object.assign({}, log);
    const v = document.getElementById(kind);
    copy.currentTime = v.currentTime;
    copy.paused = v.paused;
    copy.ended = v.ended;
    copy.now = Date.now();
    if (!withSamples) copy.samples = log.samples.slice(-50);
    out[kind] = copy;
  }
  return out;
};
