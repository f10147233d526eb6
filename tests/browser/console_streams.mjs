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
import {ConsoleRun} from './console_run.mjs';

const [base, email, password, urlA, urlB, outDir] = process.argv.slice(2);
const test = new ConsoleRun('console streams test', outDir);
const step = test.step.bind(test);
const shot = test.shot.bind(test);

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
  await test.signIn(page, base, email, password);
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

await test.main(run, {
  // The console has no favicon; Chromium's own request for one would be
  // the only 404 in the console log, which must otherwise stay empty.
  setup: async (context, page) => {
    await context.route('**/favicon.ico', (r) => r.fulfill({status: 204}));
    page.on('response', (r) => {
      if (r.status() >= 400) {
        process.stderr.write(`HTTP ${r.status()} ${r.request().method()} ${r.url()}\n`);
      }
    });
  },
});
