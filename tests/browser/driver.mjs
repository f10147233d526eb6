// Debian's Chromium (/usr/bin/chromium, never a downloaded browser) driven
// by playwright-core, playing the page in page/ (hls.js + dash.js) from a
// small static server on loopback: a different origin from the LB's, as a
// real embedding page is, so CORS applies.
//
// Speaks JSON lines: one command a line on stdin, one answer a line on
// stdout ({"ok": true, ...} or {"ok": false, "error": "..."}):
//   {"cmd": "start", "hls": URL, "dash": URL}    opens the page, plays
//   {"cmd": "snapshot", "samples": false}        the players' logs
//   {"cmd": "screenshot", "path": FILE}          a PNG of the page
//   {"cmd": "levels"}                            renditions offered, played
//   {"cmd": "set_level", "hls": I, "dash": I}    play rendition I by hand
//   {"cmd": "stop"}                              closes all, exits
// Diagnostics go to stderr.  tests/harness/player.py is the Python side.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.FANOUT_CHROMIUM || '/usr/bin/chromium';
const FILES = {
  '/': ['page/player.html', 'text/html'],
  '/player.js': ['page/player.js', 'text/javascript'],
  '/lib/hls.min.js': ['node_modules/hls.js/dist/hls.min.js', 'text/javascript'],
  '/lib/dash.all.min.js': ['node_modules/dashjs/dist/modern/umd/dash.all.min.js',
                           'text/javascript'],
};
// FANOUT_PLAYER_DEBUG=1: the players' own debug logs (hls.js debug,
// dash.js LOG_LEVEL_DEBUG) and every console message are kept, and more
// of each list (a diagnostic run, not a test's).
const DEBUG = process.env.FANOUT_PLAYER_DEBUG === '1';
const MAX_NET = DEBUG ? 50000 : 400;

function serve() {
  const server = http.createServer((req, res) => {
    const f = FILES[new URL(req.url, 'http://x').pathname];
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {'Content-Type': f[1], 'Cache-Control': 'no-store'});
    fs.createReadStream(path.join(HERE, f[0])).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1',
                                                () => resolve(server)));
}

const state = {server: null, context: null, page: null, dataDir: null,
               net: [], failed: [], console: []};

function keep(list, item) {
  if (list.length >= MAX_NET) list.shift();
  list.push(item);
}

async function start(msg) {
  state.server = await serve();
  state.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanout-chromium-'));
  state.context = await chromium.launchPersistentContext(state.dataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: {width: 1280, height: 520},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required',
           '--disable-background-timer-throttling',
           '--disable-renderer-backgrounding'],
  });
  const page = state.page = state.context.pages()[0]
      || await state.context.newPage();
  page.on('response', (r) => {
    if (r.url().includes('/streams/')) {
      keep(state.net, {t: Date.now(), status: r.status(), url: r.url(),
                       method: r.request().method()});
    }
  });
  page.on('requestfailed', (r) => keep(state.failed, {
    t: Date.now(), url: r.url(), failure: r.failure() && r.failure().errorText}));
  page.on('console', (m) => {
    if (DEBUG || m.type() === 'error' || m.type() === 'warning') {
      keep(state.console, {t: Date.now(), type: m.type(), text: m.text()});
    }
  });
  page.on('pageerror', (e) => keep(state.console, {
    t: Date.now(), type: 'pageerror', text: String(e)}));
  const {port} = state.server.address();
  const url = `http://127.0.0.1:${port}/`;
  await page.goto(url);
  const kinds = await page.evaluate((u) => window.fanoutStart(u),
                                    {hls: msg.hls, dash: msg.dash,
                                     debug: DEBUG});
  return {page: url, kinds, browser: state.context.browser()?.version()};
}

async function snapshot(msg) {
  const players = await state.page.evaluate(
      (s) => window.fanoutSnapshot(s), !!msg.samples);
  return {players, net: state.net, failed: state.failed,
          console: state.console};
}

async function stop() {
  if (state.context) await state.context.close().catch(() => {});
  if (state.server) state.server.close();
  if (state.dataDir) fs.rmSync(state.dataDir, {recursive: true, force: true});
  state.context = state.server = state.dataDir = null;
}

const COMMANDS = {
  start,
  snapshot,
  levels: async () => ({levels: await state.page.evaluate(
      () => window.fanoutLevels())}),
  set_level: async (msg) => ({levels: await state.page.evaluate(
      (w) => window.fanoutSetLevel(w), {hls: msg.hls, dash: msg.dash})}),
  screenshot: async (msg) => {
    await state.page.screenshot({path: msg.path});
    return {path: msg.path};
  },
  stop: async () => {
    await stop();
    return {};
  },
};

async function handle(line) {
  let msg;
  try {
    msg = JSON.parse(line);
    const fn = COMMANDS[msg.cmd];
    if (!fn) throw new Error(`unknown command ${msg.cmd}`);
    if (msg.cmd !== 'start' && msg.cmd !== 'stop' && !state.page) {
      throw new Error('not started');
    }
    const out = await fn(msg);
    process.stdout.write(JSON.stringify({ok: true, ...out}) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ok: false, error: String(e)}) + '\n');
  }
  return msg && msg.cmd === 'stop';
}

// One command at a time, in order.
const rl = readline.createInterface({input: process.stdin});
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    if (await handle(line)) process.exit(0);
  });
});
rl.on('close', () => {
  chain = chain.then(async () => {
    await stop();
    process.exit(0);
  });
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => stop().finally(() => process.exit(0)));
}
