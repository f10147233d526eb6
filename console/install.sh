#!/bin/sh
# Install the web console's npm modules (idempotent) and vendor the files
# the browser loads into www/vendor/, the served tree's only third-party
# part: Preact and its hooks, htm, hls.js and dash.js, at the versions
# package-lock.json pins.  Needs node >= 20 and npm; reaches only the npm
# registry, and only when node_modules is missing or package*.json
# changed since last time.  Run by `make deps`.
set -eu
cd "$(dirname "$0")"

command -v node >/dev/null 2>&1 || { echo "console/install.sh: node not found (need node >= 20)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "console/install.sh: npm not found" >&2; exit 1; }

stamp=node_modules/.fanout-install-stamp
want=$(cat package.json package-lock.json install.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "console/install.sh: installing node modules in $(pwd)" >&2
  # --ignore-scripts: no install scripts run (none is needed).
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
fi

nm=node_modules
v=www/vendor
mkdir -p "$v.tmp"
cp "$nm/preact/dist/preact.mjs" "$v.tmp/preact.mjs"
# hooks.mjs imports the bare specifier "preact"; a browser without an
# import map (none: the CSP allows no inline script) needs a path.
sed 's|from"preact"|from"./preact.mjs"|g; s|from "preact"|from "./preact.mjs"|g' \
  "$nm/preact/hooks/dist/hooks.mjs" > "$v.tmp/hooks.mjs"
if grep -q 'from *"preact"' "$v.tmp/hooks.mjs"; then
  echo "console/install.sh: hooks.mjs still imports \"preact\"" >&2; exit 1
fi
cp "$nm/htm/dist/htm.mjs" "$v.tmp/htm.mjs"
cp "$nm/hls.js/dist/hls.min.js" "$v.tmp/hls.min.js"
cp "$nm/dashjs/dist/modern/umd/dash.all.min.js" "$v.tmp/dash.all.min.js"
for p in preact htm hls.js dashjs; do
  cp "$nm/$p/LICENSE"* "$v.tmp/LICENSE.$p.txt" 2>/dev/null || true
done
rm -rf "$v" && mv "$v.tmp" "$v"
echo "$want" > "$stamp"
