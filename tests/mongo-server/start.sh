#!/bin/sh
# Start the test MongoDB-wire server in the background (for shells and CI).
#   start.sh [HOST] [PORT] PIDFILE     e.g. start.sh 127.0.0.1 0 /tmp/mongo.pid
# PORT 0 picks a free port. Waits until the server accepts connections, then
# prints its "READY <port>" line on stdout and exits 0. Server log: PIDFILE.log.
# Stop it with stop.sh PIDFILE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
case $# in
  1) host=127.0.0.1 port=27017 pidfile=$1 ;;
  3) host=$1 port=$2 pidfile=$3 ;;
  *) echo "usage: $0 [HOST PORT] PIDFILE" >&2; exit 2 ;;
esac
"$here/install.sh"

log=$pidfile.log
out=$pidfile.out
rm -f "$out"
# setsid: no controlling terminal; --no-parent-watch: outlive this script.
setsid node "$here/server.mjs" --host "$host" --port "$port" --no-parent-watch \
  >"$out" 2>"$log" </dev/null &
pid=$!
echo "$pid" >"$pidfile"

i=0
while ! grep -q '^READY ' "$out" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 100 ]; then
    echo "start.sh: server did not become ready; log follows" >&2
    cat "$log" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$pidfile" "$out"
    exit 1
  fi
  i=$((i + 1))
  sleep 0.1
done
grep '^READY ' "$out"
rm -f "$out"
