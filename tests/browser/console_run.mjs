// What the console's browser scripts share (console.mjs, console_admin.mjs,
// console_cluster.mjs, console_streams.mjs, and the benchmark's
// console_open.mjs): Debian's Chromium through playwright-core in a fresh
// profile (no downloaded browser), the step log on stderr, a screenshot
// per step, the sign-in form, and the one JSON verdict line a pytest file
// reads on stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

export const CHROMIUM = process.env.FANOUT_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Chromium at 1280x800 in a profile of its own; close() removes it.
export async function launch({args = []} = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanout-console-'));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM, headless: true, viewport: {width: 1280, height: 800},
    args: [...ARGS, ...args],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(15000);
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(dataDir, {recursive: true, force: true});
  };
  return {context, page, close};
}

// The sign-in form at base; resolves once the console shows its
// Overview, the page after a sign-in.
export async function signIn(page, base, email, password) {
  await page.goto(base + '/');
  await page.getByRole('heading', {name: 'Sign in to Fanout'}).waitFor();
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', {name: 'Overview'}).waitFor();
}

// One test script's run: label prefixes its stderr lines; screenshots go
// to outDir as <prefix><name>.png.
export class ConsoleRun {
  constructor(label, outDir, prefix = '') {
    this.label = label;
    this.outDir = outDir;
    this.prefix = prefix;
    this.steps = [];
    this.problems = [];  // the page's errors and console errors
  }

  step(name, extra = {}) {
    this.steps.push({name, t: Date.now(), ...extra});
    process.stderr.write(`${this.label}: ${name}\n`);
  }

  async shot(page, name) {
    await page.screenshot({path: path.join(this.outDir, `${this.prefix}${name}.png`),
      fullPage: true});
  }

  async signIn(page, base, email, password) {
    await signIn(page, base, email, password);
    this.step('signed in');
  }

  // Runs body(page, context) in a fresh Chromium and prints the verdict
  // as the last stdout line: {"ok": true, "steps", "console", ...extra()}
  // or {"ok": false, "error", ...} (with a 99-failure screenshot).
  // args: Chromium's extra flags; setup(context, page): routes and
  // listeners before body; quiet(text): console errors that are no fault.
  async main(body, {args = [], setup = null, quiet = () => false, extra = () => ({})} = {}) {
    fs.mkdirSync(this.outDir, {recursive: true});
    const {context, page, close} = await launch({args});
    page.on('pageerror', (e) => this.problems.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !quiet(m.text())) this.problems.push(m.text());
    });
    let verdict;
    try {
      if (setup) await setup(context, page);
      await body(page, context);
      verdict = {ok: true, steps: this.steps, console: this.problems, ...extra()};
    } catch (e) {
      await this.shot(page, '99-failure').catch(() => {});
      verdict = {ok: false, error: String(e && e.stack || e), steps: this.steps,
        console: this.problems, ...extra()};
    } finally {
      await close();
    }
    process.stdout.write(JSON.stringify(verdict) + '\n');
  }
}
