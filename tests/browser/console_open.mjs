// One open console page in Debian's Chromium (playwright-core), for the
// console benchmark (bench/console/console_bench.py): it signs in and
// leaves a page open, refreshing itself, while the bench measures the
// origin's CPU.  JSON lines on stdin, one JSON answer per line on stdout:
//
//   node console_open.mjs <origin url> <email> <password>
//   {"cmd":"open","page":"overview"}  -> {"ok":true,"page":"overview"}
//   {"cmd":"count"}                   -> {"ok":true,"rest":N}  REST answers
//                                        since the last open (the refreshes)
//   {"cmd":"stop"}                    -> {"ok":true}, then exits
//
// An answer with "ok":false carries "error".  The page must show its
// heading and data (Overview's "Origins" card, the Cluster's Nodes table)
// before "open" answers, so the refresh is known to work.
import readline from 'node:readline';
import {launch, signIn} from './console_run.mjs';

const [base, email, password] = process.argv.slice(2);
let rest = 0;

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function open(page, name) {
  await page.goto(`${base}/#/${name}`);
  if (name === 'cluster') {
    await page.getByRole('table', {name: 'Nodes'}).getByText('● alive').first().waitFor();
  } else {
    await page.getByRole('heading', {name: 'Overview'}).waitFor();
    await page.getByText('Origins').waitFor();
  }
  rest = 0;
}

async function main() {
  const {page, close} = await launch();
  page.setDefaultTimeout(30000);
  page.on('response', (r) => { if (r.url().includes('/rest/')) rest++; });
  try {
    await signIn(page, base, email, password);
    answer({ok: true, signedIn: true});
    for await (const line of readline.createInterface({input: process.stdin})) {
      const cmd = JSON.parse(line);
      try {
        if (cmd.cmd === 'open') { await open(page, cmd.page); answer({ok: true, page: cmd.page}); }
        else if (cmd.cmd === 'count') answer({ok: true, rest});
        else if (cmd.cmd === 'stop') { answer({ok: true}); break; }
        else answer({ok: false, error: 'unknown command ' + cmd.cmd});
      } catch (e) {
        answer({ok: false, error: String(e && e.message || e)});
      }
    }
  } catch (e) {
    const body = await page.evaluate(() => document.body.innerText).catch(() => '');
    answer({ok: false, error: String(e && e.message || e) + '; page: ' + body.slice(0, 300)});
  } finally {
    await close();
  }
}

main();
