// The web console in Debian's Chromium (playwright-core, no downloaded
// browser), against a running cluster: tests/integration/test_console.py
// runs it and reads its verdict.
//
//   node console.mjs <lb url> <rtmp url of a new stream> <artifacts dir>
//
// First-run setup, sign out, a wrong password, the rate limit (it waits
// out the window the cluster was given), sign in, a stream published by
// ffmpeg appears in the Streams table without a reload and plays inline
// with hls.js and with dash.js (then the same page at phone width), while
// this script pulls the stream through the LB the Overview's "Egress to
// viewers" and "Origin egress" cards show bit rates (1280x800 and phone
// width, screenshots 07-overview-egress*), the Cluster view lists the nodes
// alive, the REST gate refuses the cookie without X-Fanout-Console, sign
// out (the old cookie is then refused).  Prints one JSON line:
// {"ok": true, "steps": [...]} or {"ok": false, "error": ..., "steps"}.
// A screenshot per step goes to the artifacts dir.
import {spawn} from 'node:child_process';
import {ConsoleRun} from './console_run.mjs';

const [base, rtmpUrl, outDir] = process.argv.slice(2);
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';
const test = new ConsoleRun('console test', outDir);
const step = test.step.bind(test);
const shot = test.shot.bind(test);

async function submitLogin(page, password) {
  await page.fill('#email', EMAIL);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

// Wrong passwords until the limiter answers (the origins share one count,
// kept in the store: at most the limit's tries; the loop allows more).
async function tripLimit(page) {
  for (let i = 0; i < 12; i++) {
    await submitLogin(page, 'wrong password ' + i);
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    await page.waitForFunction(() => !document.querySelector('button[type=submit]').disabled);
    const text = await alert.textContent();
    if (text.includes('too many failed logins')) return i + 1;
    if (!text.includes('wrong email or password')) throw new Error('unexpected: ' + text);
  }
  throw new Error('the rate limit never tripped');
}

// REST from outside the browser, with a cookie and maybe the header.
async function rest(pathname, cookie, consoleHeader) {
  const headers = {Cookie: cookie};
  if (consoleHeader) headers['X-Fanout-Console'] = '1';
  const r = await fetch(base + pathname, {headers});
  return r.status;
}

async function waitBroadcasting(page, id) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const st = await page.evaluate(async (u) => {
      const r = await fetch(u, {headers: {'X-Fanout-Console': '1'}});
      return r.ok ? (await r.json()).status : '';
    }, `/LiveApp/rest/v2/broadcasts/${id}`);
    if (st === 'broadcasting') return Date.now();
    await page.waitForTimeout(200);
  }
  throw new Error(`${id} never broadcast`);
}

async function videoTime(page) {
  return page.evaluate(() => document.querySelector('#player').currentTime);
}

// The player shows a source ending in suffix and its time advances.
async function playing(page, suffix) {
  await page.getByText(new RegExp('Source: .*' + suffix.replace('.', '\\.') + '$')).waitFor();
  await page.waitForFunction(() => document.querySelector('#player').currentTime > 1,
                             null, {timeout: 25000});
  const a = await videoTime(page);
  await page.waitForTimeout(1500);
  const b = await videoTime(page);
  if (!(b > a)) throw new Error(`${suffix}: video stalled at ${a}`);
  return {from: a, to: b};
}

async function setupAndLimit(page) {
  await page.goto(base + '/');
  await page.getByRole('heading', {name: 'Create the administrator'}).waitFor();
  await shot(page, '01-first-run'); step('first-run setup shown');
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.fill('#again', PASSWORD);
  await page.click('button[type=submit]');
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
  await page.getByText('Origins').waitFor();
  await shot(page, '02-overview'); step('admin created, signed in');

  await page.click('text=Sign out');
  await page.getByRole('heading', {name: 'Sign in to Fanout'}).waitFor();
  await submitLogin(page, 'not the password');
  await page.getByRole('alert').filter({hasText: 'wrong email or password'}).waitFor();
  await shot(page, '03-wrong-password'); step('wrong password refused');
  const tries = await tripLimit(page);
  await shot(page, '04-rate-limited'); step('rate limit tripped', {tries});

  const t0 = Date.now();
  const signedIn = page.getByRole('button', {name: 'Sign out'});
  for (;;) {  // the window the test gave the cluster (console.login_window_s)
    await page.waitForTimeout(1000);
    await submitLogin(page, PASSWORD);
    await page.waitForFunction(() => {
      const b = document.querySelector('button[type=submit]');
      return !b || !b.disabled;
    });
    if (await signedIn.isVisible()) break;
    if (Date.now() - t0 > 30000) throw new Error('still limited after 30 s');
  }
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
  step('signed in after the window', {waited_ms: Date.now() - t0});
}

async function streams(page) {
  await page.click('nav >> text=Streams');
  await page.getByRole('table', {name: 'Streams'}).waitFor();
  const marker = await page.evaluate(() => (window.fanoutMarker = Math.random()));
  const id = rtmpUrl.split('/').pop();
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', rtmpUrl], {stdio: 'ignore'});
  try {
    const live = await waitBroadcasting(page, id);
    const row = page.getByRole('row').filter({hasText: id}).filter({hasText: 'broadcasting'});
    await row.waitFor({timeout: 4500});  // one 3 s refresh, and its answer
    const same = await page.evaluate((m) => window.fanoutMarker === m, marker);
    if (!same) throw new Error('the page reloaded');
    await shot(page, '05-streams'); step('stream listed without a reload', {after_ms: Date.now() - live});

    await row.getByRole('button', {name: 'Play ' + id, exact: true}).click();
    step('plays inline', await playing(page, '.m3u8'));
    await shot(page, '06-playing');
    await row.getByRole('button', {name: `Play ${id} with DASH`}).click();
    step('plays inline with DASH', await playing(page, '.mpd'));
    await shot(page, '06-playing-dash');

    await page.setViewportSize({width: 390, height: 844});
    await page.waitForTimeout(300);
    const wider = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    await shot(page, '07-phone');
    if (wider > 0) throw new Error(`the streams page is ${wider} px wider than the phone`);
    step('phone width, no sideways scroll');
    await page.setViewportSize({width: 1280, height: 800});
    await overviewEgress(page, id);
  } finally {
    ffmpeg.kill('SIGKILL');
  }
}

// A viewer outside the browser: the playlist and every segment it names,
// through the LB (and so an edge), until stop() (so that the Overview is
// not the one page playing).  bytes: what it read.
function pull(id) {
  const state = {bytes: 0, stopped: false};
  const get = async (name) => {
    const r = await fetch(`${base}/LiveApp/streams/${name}`);
    const body = new Uint8Array(await r.arrayBuffer());
    state.bytes += body.length;
    return new TextDecoder().decode(body);
  };
  state.done = (async () => {
    while (!state.stopped) {
      const playlist = await get(`${id}.m3u8`);
      const names = [...playlist.matchAll(/URI="([^"]+)"/g)].map((m) => m[1])
        .concat(playlist.split('\n').filter((l) => l && !l.startsWith('#')));
      for (const n of names) await get(n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  state.stop = async () => { state.stopped = true; await state.done; };
  return state;
}

// The Overview's egress cards while pull() runs: bit rates, not the '—'
// of nothing (the edges' and origins' egressBitrate, each over its last
// heartbeat period).
async function overviewEgress(page, id) {
  const viewer = pull(id);
  try {
    await page.click('nav >> text=Overview');
    await page.getByRole('heading', {name: 'Overview'}).waitFor();
    const value = (label) => page.locator('.card', {hasText: label}).locator('.value');
    const rate = /^\d+(\.\d)? [kM]b\/s$/;
    for (const label of ['Egress to viewers', 'Origin egress']) {
      await page.waitForFunction(([l, re]) => {
        const card = [...document.querySelectorAll('.card')]
          .find((c) => c.querySelector('.label')?.textContent === l);
        return card && new RegExp(re).test(card.querySelector('.value').textContent.trim());
      }, [label, rate.source], {timeout: 20000});
    }
    const shown = {edges: (await value('Egress to viewers').textContent()).trim(),
                   origins: (await value('Origin egress').textContent()).trim()};
    await shot(page, '07-overview-egress');
    await page.setViewportSize({width: 390, height: 844});
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    await shot(page, '07-overview-egress-phone');
    await page.setViewportSize({width: 1280, height: 800});
    if (overflow > 0) throw new Error(`the overview is ${overflow} px wider than the phone`);
    step('overview shows egress', {...shown, pulled_bytes: viewer.bytes});
  } finally {
    await viewer.stop();
  }
}

async function cluster(page) {
  await page.click('nav >> text=Cluster');
  const table = page.getByRole('table', {name: 'Nodes'});
  await table.getByText('● alive').first().waitFor();
  const alive = await table.getByText('● alive').count();
  if (alive < 3) throw new Error(`${alive} nodes alive, want 2 origins and an edge`);
  await shot(page, '08-cluster'); step('cluster view', {alive});
}

async function cookieAndLogout(page, context) {
  const cookies = await context.cookies(base);
  const c = cookies.find((k) => k.name === 'fanout_session');
  if (!c || !c.httpOnly || c.sameSite !== 'Strict') throw new Error('cookie: ' + JSON.stringify(c));
  const cookie = `fanout_session=${c.value}`;
  const withHeader = await rest('/rest/v2/applications', cookie, true);
  const without = await rest('/rest/v2/applications', cookie, false);
  if (withHeader !== 200 || without !== 403) {
    throw new Error(`REST with the cookie: ${withHeader} with the header, ${without} without`);
  }
  step('REST takes the cookie only with X-Fanout-Console');

  await page.click('text=Sign out');
  await page.getByRole('heading', {name: 'Sign in to Fanout'}).waitFor();
  await shot(page, '09-signed-out');
  const after = await rest('/rest/v2/applications', cookie, true);
  if (after !== 401) throw new Error(`the old cookie after logout: ${after}`);
  step('signed out; the old cookie is refused');
}

async function run(page, context) {
  await setupAndLimit(page);
  await streams(page);
  await cluster(page);
  await cookieAndLogout(page, context);
}

await test.main(run, {args: ['--autoplay-policy=no-user-gesture-required']});
