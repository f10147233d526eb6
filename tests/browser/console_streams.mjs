// The console's Streams page in Debian's Chromium (playwright-core, no
// downloaded browser) against a running cluster: tests/integration/
// test_stream_ops.py runs it and reads its verdict.
//
//   node console_streams.mjs <lb url> <email> <password> <rtmp url A>
//                            <rtmp url B> <artifacts dir>
//
// Signs in, starts two real-time ffmpeg publishers (A and B), waits for
// A's row to show its bitrate, speed and renditions (the live figures its
// origin writes), opens A's renditions, presses Stop on A and confirms
// with the keyboard (the confirmation takes the focus: Enter), and checks
// that A's ffmpeg exits; then Delete on B (confirmed by a click): B's
// ffmpeg exits and its row goes.  Prints one JSON line: {"ok": true,
// "steps": [...], "console": [...]} or {"ok": false, "error": ...}.  A
// screenshot per step goes to the artifacts dir.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

const [base, email, password, urlA, urlB, outDir] = process.argv.slice(2);
const CHROMIUM = process.env.FANOUT_CHROMIUM || '/usr/bin/chromium';
const steps = [];
const problems = [];

function step(name, extra = {}) {
  steps.push({name, t: Date.now(), ...extra});
  process.stderr.write(`console streams test: ${name}\n`);
}

async function shot(page, name) {
  await page.screenshot({path: path.join(outDir, `${name}.png`), fullPage: true});
}

// A real-time publisher; .exited resolves when ffmpeg ends.
function publisher(url) {
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p',
    '-b:v', '600k', '-maxrate', '600k', '-bufsize', '300k', '-f', 'flv', url],
  {stdio: 'ignore'});
  p.exited = new Promise((resolve) => p.on('exit', (code, sig) => resolve({code, sig})));
  return p;
}

async function exitsWithin(p, ms, what) {
  const r = await Promise.race([p.exited, new Promise((res) => setTimeout(() => res(null), ms))]);
  if (!r) throw new Error(`${what}: its ffmpeg publisher still runs after ${ms} ms`);
  return r;
}

async function signIn(page) {
  await page.goto(base + '/');
  await page.getByRole('heading', {name: 'Sign in to Fanout'}).waitFor();
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
  step('signed in');
}

// The row of stream id once its cells satisfy ok(cells).
async function waitRow(page, id, ok, ms, what) {
  const deadline = Date.now() + ms;
  let cells = [];
  while (Date.now() < deadline) {
    const row = page.getByRole('row').filter({hasText: id});
    if (await row.count() === 1) {
      cells = await row.locator('td').allTextContents();
      if (ok(cells)) return {row, cells};
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`${what}: row ${id} is ${JSON.stringify(cells)}`);
}

// Columns: Id, Name, Status, Origin, Viewers, Bitrate, Renditions,
// Uptime, Speed, Actions.
function figuresShown(c) {
  return c[2].includes('broadcasting') && /[kM]b\/s/.test(c[5])
    && /360p/.test(c[6]) && /^\d+\.\d\d×$/.test(c[8].trim());
}

async function stopA(page, idA, a) {
  const {row, cells} = await waitRow(page, idA, figuresShown, 40000, 'live figures');
  await shot(page, '10-streams-live-figures');
  step('live figures shown', {bitrate: cells[5], renditions: cells[6], speed: cells[8]});

  await row.getByRole('button', {name: 'Renditions of ' + idA}).click();
  const panel = page.getByRole('table', {name: 'Renditions of ' + idA});
  await panel.getByText('source').waitFor();
  await shot(page, '11-renditions');
  step('renditions detail shown', {rows: await panel.locator('tbody tr').count()});
  await page.getByRole('region', {name: 'Renditions of ' + idA})
    .getByRole('button', {name: 'Close'}).click();

  await row.getByRole('button', {name: 'Stop ' + idA}).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  // The page moves the focus in an effect after the dialog renders.
  const moved = await page.waitForFunction(
    () => document.activeElement && document.activeElement.textContent === 'Stop publisher',
    null, {timeout: 3000}).then(() => true, () => false);
  const focused = await page.evaluate(() => document.activeElement.textContent);
  if (!moved) throw new Error('the confirmation has not the focus: ' + focused);
  await shot(page, '12-stop-confirm');
  await page.keyboard.press('Enter');
  const r = await exitsWithin(a, 15000, 'Stop');
  await page.getByRole('status').filter({hasText: `Publisher of ${idA} disconnected`}).waitFor();
  await waitRow(page, idA, (c) => c[2].includes('finished'), 15000, 'finished after Stop');
  await shot(page, '13-stopped');
  step('Stop stopped its publisher', {ffmpeg: r});
}

async function deleteB(page, idB, b) {
  const {row} = await waitRow(page, idB, (c) => c[2].includes('broadcasting'), 30000,
                              'B broadcasting');
  await row.getByRole('button', {name: 'Delete ' + idB}).click();
  await page.getByRole('alertdialog').getByRole('button', {name: 'Delete stream'}).click();
  const r = await exitsWithin(b, 15000, 'Delete');
  await page.getByRole('row').filter({hasText: idB}).waitFor({state: 'detached', timeout: 10000});
  await shot(page, '14-deleted');
  step('Delete stopped its publisher', {ffmpeg: r});
}

async function run(page) {
  await signIn(page);
  await page.click('nav >> text=Streams');
  await page.getByRole('table', {name: 'Streams'}).waitFor();
  const idA = urlA.split('/').pop(), idB = urlB.split('/').pop();
  const a = publisher(urlA), b = publisher(urlB);
  try {
    await stopA(page, idA, a);
    await deleteB(page, idB, b);
  } finally {
    a.kill('SIGKILL');
    b.kill('SIGKILL');
  }
}

async function main() {
  fs.mkdirSync(outDir, {recursive: true});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanout-console-streams-'));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM, headless: true, viewport: {width: 1280, height: 800},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync'],
  });
  // The console has no favicon; Chromium's own request for one would be
  // the only 404 in the console log, which must otherwise stay empty.
  await context.route('**/favicon.ico', (r) => r.fulfill({status: 204}));
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('response', (r) => {
    if (r.status() >= 400) process.stderr.write(`HTTP ${r.status()} ${r.request().method()} ${r.url()}\n`);
  });
  let verdict;
  try {
    await run(page);
    verdict = {ok: true, steps, console: problems};
  } catch (e) {
    await shot(page, '99-failure').catch(() => {});
    verdict = {ok: false, error: String(e && e.stack || e), steps, console: problems};
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(dataDir, {recursive: true, force: true});
  }
  process.stdout.write(JSON.stringify(verdict) + '\n');
}

main();
