#!/bin/sh
# Install the browser tests' node modules (idempotent): playwright-core
# (drives Debian's /usr/bin/chromium; it downloads no browser), hls.js and
# dash.js (npm "dashjs"), at the versions package-lock.json pins.  Needs
# node >= 20 and npm; reaches only the npm registry, and only when
# node_modules is missing or package*.json changed since last time.
set -eu
cd "$(dirname "$0")"

command -v node >/dev/null 2>&1 || { echo "install.sh: node not found (need node >= 20)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "install.sh: npm not found" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: node $(node --version) too old (need >= 20)" >&2; exit 1; }

stamp=node_modules/.fanout-install-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
   && [ -f node_modules/playwright-core/package.json ] \
   && [ -f node_modules/hls.js/dist/hls.min.js ] \
   && [ -f node_modules/dashjs/dist/modern/umd/dash.all.min.js ]; then
  exit 0
fi

echo "install.sh: installing node modules in $(pwd)" >&2
# --ignore-scripts: no install scripts run (none is needed; playwright-core
# has no browser download step, and we never ask for one).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
echo "$want" > "$stamp"
