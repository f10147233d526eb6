#!/usr/bin/env node
// In-memory MongoDB-wire-compatible server for tests (CongoServer from
// @push.rocks/smartmongo 2.2.0). See README.md for what it supports.
//
//   node server.mjs [--host H] [--port N] [--no-parent-watch]
//   (env: MONGO_SERVER_HOST, MONGO_SERVER_PORT)
//
// Defaults: host 127.0.0.1, port 27017; --port 0 picks a free port.
// Prints exactly one line "READY <port>" to stdout once it accepts connections.
// Exits 0 on SIGTERM/SIGINT/SIGHUP, and also when its parent process dies
// (unless --no-parent-watch, used by start.sh); exits 1 if it cannot listen,
// 2 on bad arguments.
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

function usage(msg) {
  process.stderr.write(`server.mjs: ${msg}\nusage: node server.mjs [--host H] [--port N] [--no-parent-watch]\n`);
  process.exit(2);
}

let host = process.env.MONGO_SERVER_HOST || '127.0.0.1';
let port = process.env.MONGO_SERVER_PORT || '27017';
let parentWatch = true;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--no-parent-watch') { parentWatch = false; continue; }
  const [flag, inline] = argv[i].split('=', 2);
  const value = inline ?? argv[++i];
  if (flag === '--host') host = value;
  else if (flag === '--port') port = value;
  else usage(`unknown argument ${argv[i]}`);
  if (value === undefined || value === '') usage(`${flag} needs a value`);
}
if (!/^\d+$/.test(String(port)) || Number(port) > 65535) usage(`bad port ${port}`);

const server = new CongoServer({ host, port: Number(port), storage: 'memory' });

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 2000).unref(); // never hang on exit
  try {
    await server.stop();
  } catch (err) {
    process.stderr.write(`server.mjs: stop failed: ${err?.message ?? err}\n`);
  }
  process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
process.on('SIGHUP', () => shutdown(0));

// Do not outlive the test process that started us (e.g. after a crash).
if (parentWatch) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown(0);
  }, 500).unref();
}

try {
  await server.start();
} catch (err) {
  process.stderr.write(`server.mjs: cannot listen on ${host}:${port}: ${err?.message ?? err}\n`);
  process.exit(1);
}
// CongoServer keeps the requested port; ask the socket for the real one (--port 0).
process.stdout.write(`READY ${server.server.address().port}\n`);
