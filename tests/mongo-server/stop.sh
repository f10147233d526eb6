#!/bin/sh
# Stop a server started by start.sh:  stop.sh PIDFILE
set -eu
[ $# -eq 1 ] || { echo "usage: $0 PIDFILE" >&2; exit 2; }
[ -f "$1" ] || exit 0
pid=$(cat "$1")
# True while that pid is still our live server (pids get reused; zombies have
# an empty cmdline).
ours() { tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'server\.mjs'; }
if ours; then
  kill -TERM "$pid" 2>/dev/null || true
  i=0
  while ours && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  if ours; then kill -KILL "$pid" 2>/dev/null || true; fi
fi
rm -f "$1" "$1.log"
