// The console's Cluster page in Debian's Chromium (playwright-core, no
// downloaded browser), against a running cluster:
// tests/integration/test_console_cluster.py runs it and reads its verdict.
//
//   node console_cluster.mjs <lb url> <email> <password> <hot node id>
//                            <node to kill> <artifacts dir> <docs png>
//
// Signs in, opens Cluster: the hot node (a record the test keeps
// heartbeating with CPU and memory over the thresholds) is marked over
// both, with the sign and the threshold in words; every node's chart has
// sampled points and the hot node's summary says it is over; the page at
// phone width.  Then it asks the test, on stdout ({"kill": id}), to kill
// -9 an origin and waits for "killed" on stdin: that node's row and chart
// turn dead, the docs screenshot is taken, and its Remove button, pressed
// from the keyboard and confirmed, deletes it (row, chart and history
// gone).  Prints one JSON line last: {"ok": true, "steps": [...]} or
// {"ok": false, "error": ..., "steps"}.  A screenshot per step goes to the
// artifacts dir.
import readline from 'node:readline';
import {ConsoleRun} from './console_run.mjs';

const [base, email, password, hot, victim, outDir, docsPng] = process.argv.slice(2);
const run = new ConsoleRun('console cluster test', outDir);
const step = run.step.bind(run);
const shot = run.shot.bind(run);
const stdin = readline.createInterface({input: process.stdin});
const lines = stdin[Symbol.asyncIterator]();

async function rest(page, pathname) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, {headers: {'X-Fanout-Console': '1'}});
    return {status: r.status, body: r.ok ? await r.json() : null};
  }, pathname);
}

function row(page, id) {
  return page.getByRole('table', {name: 'Nodes'}).getByRole('row')
    .filter({has: page.getByRole('cell', {name: id, exact: true})});
}

function chart(page, id) {
  return page.locator('figure.chart').filter({hasText: id});
}

// How many points the node's chart draws for a series.
async function points(page, id, series) {
  const g = chart(page, id).locator(`g.series.${series}`);
  return Number(await g.getAttribute('data-points'));
}

async function waitPoints(page, id, series, want, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const n = await points(page, id, series).catch(() => 0);
    if (n >= want) return n;
    if (Date.now() > deadline) throw new Error(`${id}: ${n} ${series} points, want ${want}`);
    await page.waitForTimeout(500);
  }
}


async function hotNodeMarked(page) {
  await page.click('nav >> text=Cluster');
  const r = row(page, hot);
  await r.waitFor();
  await r.getByText('● alive').waitFor();
  await r.getByText('▲ over 80 %').waitFor();
  await r.getByText('▲ over 85 %').waitFor();
  const marked = await r.locator('td.over').count();
  if (marked < 2) throw new Error(`${hot}: ${marked} cells marked over, want CPU and memory`);
  step('hot node marked over CPU and memory, in words', {marked});
}

async function chartsHavePoints(page) {
  const n = await waitPoints(page, hot, 'cpu', 5, 30000);
  const summary = await chart(page, hot).locator('.summary').textContent();
  if (!/CPU 9\d(\.\d)? % now/.test(summary) || !summary.includes('▲ over 80 %')
      || !summary.includes('▲ over 85 %')) {
    throw new Error(`${hot}'s chart summary: ${summary}`);
  }
  const desc = await chart(page, hot).locator('svg desc').textContent();
  if (desc !== summary) throw new Error('the SVG description differs from the caption');
  const counts = {};
  for (const id of ['origin-1', victim, 'edge-1']) counts[id] = await waitPoints(page, id, 'cpu', 3, 15000);
  const lines = await chart(page, hot).locator('g.threshold').count();
  if (lines !== 2) throw new Error(`${lines} threshold lines, want CPU and memory`);
  step('charts show sampled points', {hot_points: n, ...counts, summary});
  await page.waitForTimeout(8000);  // a few more samples, for the pictures
  await shot(page, '01-cluster');
}

async function phone(page) {
  await page.setViewportSize({width: 390, height: 844});
  await page.waitForTimeout(400);
  const wide = await page.evaluate(() => {
    const over = [...document.querySelectorAll('figure.chart')]
      .filter((f) => f.getBoundingClientRect().right > window.innerWidth + 1);
    return over.length;
  });
  if (wide) throw new Error(`${wide} charts wider than the phone's screen`);
  await shot(page, '02-phone'); step('phone width: the charts fit');
  await page.setViewportSize({width: 1280, height: 800});
}

async function killAndRemove(page) {
  process.stdout.write(JSON.stringify({kill: victim}) + '\n');
  const answer = await lines.next();
  if (answer.value !== 'killed') throw new Error('the test did not kill ' + victim);
  const t0 = Date.now();
  const r = row(page, victim);
  await r.getByText('✖ dead').waitFor({timeout: 20000});
  await chart(page, victim).getByText('✖ dead').waitFor({timeout: 35000});
  step('killed origin marked dead', {after_ms: Date.now() - t0});
  await page.waitForTimeout(3000);
  await page.screenshot({path: docsPng, fullPage: true});
  await shot(page, '03-dead');

  const remove = r.getByRole('button', {name: 'Remove node ' + victim});
  page.once('dialog', (d) => d.accept());
  await remove.focus();
  await page.keyboard.press('Enter');
  await r.waitFor({state: 'detached', timeout: 10000});
  await chart(page, victim).waitFor({state: 'detached', timeout: 35000});
  const node = await rest(page, `/rest/v2/cluster/node/${victim}`);
  const hist = await rest(page, `/rest/v2/cluster/node/${victim}/history`);
  if (node.status !== 404) throw new Error(`${victim} after Remove: ${node.status}`);
  if (hist.status !== 200 || hist.body.nodes.length !== 0) {
    throw new Error(`${victim}'s history after Remove: ${JSON.stringify(hist)}`);
  }
  await shot(page, '04-removed'); step('Remove (keyboard, confirmed) deleted the node and its history');
}

await run.main(async (page) => {
  await run.signIn(page, base, email, password);
  await hotNodeMarked(page);
  await chartsHavePoints(page);
  await phone(page);
  await killAndRemove(page);
});
stdin.close();
