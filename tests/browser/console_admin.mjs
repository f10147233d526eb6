// The console's Settings and Alerts pages in Debian's Chromium
// (playwright-core, no downloaded browser), against a running cluster:
// tests/integration/test_console_admin.py runs it twice and reads its
// verdict.
//
//   node console_admin.mjs settings <lb url> <email> <password> <artifacts dir>
//   node console_admin.mjs alerts <lb url> <email> <password> <artifacts dir> <dead node id>
//
// settings: sign in; change the ladder, hlsTime and gopSize in the page
// and save (by keyboard: Enter in a field); after a reload the page shows
// them; a ladder height of 721, a video bit rate of 0 and an hlsTime of 0
// each show the server's 400 message next to their input
// (which gets the focus) and change nothing; the page at 390x844.
// alerts (after the test killed the node): the Cluster page marks the
// node dead, the Alerts page lists its nodeDead alert as active (and the
// Overview counts it), the thresholds the server answers are shown; the Cluster page's Remove
// button removes it and the alert moves to the ended list.
// Prints one JSON line: {"ok": true, "steps": [...], "data": {...}} or
// {"ok": false, "error": ..., "steps"}.  A screenshot per step goes to
// the artifacts dir.
import {ConsoleRun} from './console_run.mjs';

const [phase, base, email, password, outDir, deadNode] = process.argv.slice(2);
const test = new ConsoleRun('console admin test', outDir, `${phase}-`);
const step = test.step.bind(test);
const shot = test.shot.bind(test);
const failed = [];  // responses >= 400: [method, path, status]
const data = {};
const signIn = (page) => test.signIn(page, base, email, password);

// The settings as the server has them, fetched by the page's own session.
async function serverSettings(page) {
  return page.evaluate(async () => {
    const r = await fetch('/rest/v2/applications/settings/LiveApp',
                          {headers: {'X-Fanout-Console': '1'}});
    return r.json();
  });
}

async function openSettings(page) {
  await page.click('nav >> text=Settings');
  await page.getByRole('heading', {name: 'Settings'}).waitFor();
  await page.locator('form.settings').waitFor();
}

// By keyboard: the new row's height input has the focus.
async function addRendition(page, i, height, video, audio) {
  await page.getByRole('button', {name: 'Add a rendition'}).press('Enter');
  await page.waitForFunction((id) => document.activeElement.id === id, `ladder-${i}-height`);
  await page.keyboard.type(String(height));
  await page.fill(`#ladder-${i}-videoBitrate`, String(video));
  await page.fill(`#ladder-${i}-audioBitrate`, String(audio));
}

// The field's error: the server's message, next to (in the same .field as)
// the input, the input marked invalid and focused.
async function fieldError(page, id, wants) {
  const err = page.locator(`#err-${id}`);
  await err.waitFor();
  const text = await err.textContent();
  for (const w of wants) {
    if (!text.includes(w)) throw new Error(`#err-${id}: "${text}" lacks "${w}"`);
  }
  // The focus moves once the page has drawn the error: wait for it.
  const beside = await page.waitForFunction((i) => {
    const input = document.getElementById(i);
    const e = document.getElementById('err-' + i);
    return input.closest('.field') === e.closest('.field')
      && input.getAttribute('aria-invalid') === 'true'
      && input.getAttribute('aria-describedby') === 'err-' + i
      && document.activeElement === input;
  }, id, {timeout: 5000}).then(() => true, () => false);
  if (!beside) throw new Error(`#err-${id} is not beside a focused, invalid #${id}`);
  return text.replace(/^⚠\s*/, '');
}

async function settingsRoundTrip(page) {
  await openSettings(page);
  await shot(page, '01-settings'); step('settings shown');
  await addRendition(page, 0, 360, 800000, 64000);
  await addRendition(page, 1, 240, 400000, 0);
  await page.fill('#hlsTime', '3');
  await page.fill('#gopSize', '50');
  await page.press('#gopSize', 'Enter');  // submits: the keyboard path
  await page.getByRole('status').filter({hasText: 'Saved'}).waitFor();
  await shot(page, '02-saved'); step('saved by keyboard');

  await page.reload();
  await openSettings(page);
  const shown = {
    h0: await page.inputValue('#ladder-0-height'),
    v0: await page.inputValue('#ladder-0-videoBitrate'),
    h1: await page.inputValue('#ladder-1-height'),
    gop: await page.inputValue('#gopSize'),
    hlsTime: await page.inputValue('#hlsTime'),
  };
  if (shown.h0 !== '360' || shown.v0 !== '800000' || shown.h1 !== '240' || shown.gop !== '50'
      || shown.hlsTime !== '3') {
    throw new Error('after a reload: ' + JSON.stringify(shown));
  }
  step('shown after a reload', shown);
  data.saved = await serverSettings(page);
}

async function badValues(page) {
  const before = await serverSettings(page);
  const cases = [
    ['ladder-1-height', '721', ['encoderSettingsString[1].height']],
    ['ladder-0-videoBitrate', '0', ['encoderSettingsString[0].videoBitrate']],
    ['hlsTime', '0', ['hlsTime', 'from 1 to 60']],
  ];
  data.errors = {};
  for (const [id, bad, wants] of cases) {
    await page.getByRole('button', {name: 'Undo changes'}).click();
    await page.fill('#' + id, bad);
    await page.getByRole('button', {name: 'Save'}).click();
    data.errors[id] = await fieldError(page, id, wants);
    await shot(page, `03-bad-${id}`);
    const after = await serverSettings(page);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      throw new Error(`${id}=${bad} changed the settings: ${JSON.stringify(after)}`);
    }
    step('bad value refused beside its field', {id, message: data.errors[id]});
  }
}

async function phoneWidth(page) {
  await page.getByRole('button', {name: 'Undo changes'}).click();
  await page.setViewportSize({width: 390, height: 844});
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  await shot(page, '04-phone');
  if (overflow > 0) throw new Error(`the settings page is ${overflow} px wider than the phone`);
  step('phone width, no sideways scroll');
  await page.setViewportSize({width: 1280, height: 800});
}

async function runSettings(page) {
  await signIn(page);
  await settingsRoundTrip(page);
  await badValues(page);
  await phoneWidth(page);
}

async function runAlerts(page) {
  page.on('dialog', (d) => d.accept());  // the Remove button's confirm()
  await signIn(page);
  await page.click('nav >> text=Cluster');
  const row = page.getByRole('table', {name: 'Nodes'}).getByRole('row').filter({hasText: deadNode});
  await row.filter({hasText: '✖ dead'}).waitFor({timeout: 30000});
  await shot(page, '01-cluster-dead'); step('cluster page marks the node dead');

  await page.click('nav >> text=Alerts');
  const active = page.getByRole('table', {name: 'Active alerts'}).getByRole('row')
    .filter({hasText: 'nodeDead'}).filter({hasText: deadNode});
  await active.waitFor({timeout: 30000});
  await page.getByText('Rules in force').click();
  data.rulesShown = await page.locator('dl.thresholds').textContent();
  await shot(page, '02-alert-active'); step('nodeDead alert active');
  await page.click('nav >> text=Overview');
  await page.locator('.card').filter({hasText: 'Active alerts'}).filter({hasText: 'nodeDead'}).waitFor();
  await shot(page, '02-overview-alert'); step('the Overview counts the active alert');
  const mod = await page.evaluate(async () =>
    (await import('/console/thresholds.js')).fetchThresholds());
  data.thresholdsModule = mod;

  await page.click('nav >> text=Cluster');
  await row.getByRole('button', {name: 'Remove node ' + deadNode}).click();
  await row.waitFor({state: 'detached', timeout: 10000});
  await shot(page, '03-cluster-removed'); step('node removed from the Cluster page');

  await page.click('nav >> text=Alerts');
  const ended = page.getByRole('table', {name: 'Ended alerts'}).getByRole('row')
    .filter({hasText: 'nodeDead'}).filter({hasText: deadNode});
  await ended.waitFor({timeout: 15000});
  await page.setViewportSize({width: 390, height: 844});
  await page.waitForTimeout(300);
  await shot(page, '05-alerts-phone');
  await page.setViewportSize({width: 1280, height: 800});
  await shot(page, '04-alert-ended'); step('the alert ended once the node was removed');
}

await test.main((page) => (phase === 'settings' ? runSettings(page) : runAlerts(page)), {
  setup: (context, page) => page.on('response', (r) => {
    if (r.status() >= 400) failed.push([r.request().method(), new URL(r.url()).pathname, r.status()]);
  }),
  quiet: (text) => text.startsWith('Failed to load resource'),
  extra: () => ({data, failed}),
});
