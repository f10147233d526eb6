#!/usr/bin/env bash
# Edge benchmarks (issue 4 §7); markdown on stdout, for docs/benchmarks.md.
#
#   bench/edge/run.sh [hit] [fanin] [lookup] [align] [folio] [signed]
#                                 (no argument: hit, fanin, lookup, signed)
#
#   hit     cache-hit throughput: wrk against the edge, proxy_cache without
#           the module, and plain nginx (static files), same workers
#   fanin   simulated players (fanout-load) on one live stream through
#           one edge: real fanout-origin (hlsTime=2) + ffmpeg; origin
#           requests per segment, playlist fetches per second
#   lookup  time to response headers on a store miss (SQLite, Redis) and
#           for unrelated requests while Redis answers 500 ms late
#   align   why cached segment bodies are page-aligned: proxy_cache with
#           the body at an unaligned offset of its file, at a page
#           boundary, and plain nginx (EDGE_WRK_WORKERS: one count)
#   folio   why hit's copies are read back before the runs: page-cache
#           folios and hits of a static file written at once, one written
#           16 KiB at a time and a proxy_cache file, as written and reread
#   signed  cache-hit throughput of a signed segment URL (fanout_play_signed)
#           against the same segment unsigned, on the same edge (goal 0.97)
#
# Environment: BUILD (default ./build: modules/ngx_http_fanout_module.so,
# bin/fanout-origin, lib/libfanout_store.a — `make build`), and
#   EDGE_WRK_WORKERS=1,2 EDGE_WRK_SECONDS=10 EDGE_WRK_CONNS=50
#   EDGE_WRK_THREADS=2 EDGE_WRK_REPS=2 EDGE_WRK_REUSEPORT= (1: listen reuseport)
#   EDGE_WRK_PAGE_CACHE=reread|written EDGE_WRK_PLACEMENT=apart|free
#   EDGE_FANIN_VIEWERS=500 EDGE_FANIN_SECONDS=60 EDGE_FANIN_RAMP=10
#   EDGE_FANIN_PROTOCOLS=hls,dash
#   EDGE_LOOKUP_STREAMS=2000 EDGE_SLOW_SECONDS=10 EDGE_SIGNED_WORKERS=1
# Every process runs on loopback in a temporary directory and is stopped at
# the end; each group is bounded (timeout).  Exit status: 0, or the first
# failing group's.  Needs nginx, wrk, ffmpeg, redis-server, gcc, python3.
set -uo pipefail
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-$PWD/build}
groups=${*:-hit fanin lookup signed}
py=${PYTHON:-/usr/bin/python3}   # the harness (tests/harness) needs no pytest

for f in "$BUILD/modules/ngx_http_fanout_module.so" "$BUILD/bin/fanout-origin" \
         "$BUILD/lib/libfanout_store.a"; do
  [ -e "$f" ] || { echo "bench/edge: $f missing (make build)" >&2; exit 2; }
done
for c in nginx wrk ffmpeg redis-server gcc "$py"; do
  command -v "$c" >/dev/null || { echo "bench/edge: $c not found" >&2; exit 2; }
done

echo "machine: $("$py" -c 'import sys; sys.path.insert(0, "bench/edge"); import edge_env; print(edge_env.machine())')"
echo

status=0
run() {
  local limit=$1; shift
  echo "command: bench/edge/$*"
  echo
  timeout --kill-after=30 "$limit" "$py" "bench/edge/$@" || {
    rc=$?; echo "bench/edge: $1 failed ($rc)" >&2; [ $status -ne 0 ] || status=$rc; }
  echo
}

for g in $groups; do
  case $g in
    hit)
      run 1800 hit_bench.py --workers "${EDGE_WRK_WORKERS:-1,2}" \
          --seconds "${EDGE_WRK_SECONDS:-10}" --conns "${EDGE_WRK_CONNS:-50}" \
          --threads "${EDGE_WRK_THREADS:-2}" --reps "${EDGE_WRK_REPS:-2}" \
          --page-cache "${EDGE_WRK_PAGE_CACHE:-reread}" \
          --placement "${EDGE_WRK_PLACEMENT:-apart}" \
          ${EDGE_WRK_REUSEPORT:+--reuseport} ;;
    fanin)
      run 1200 fanin_bench.py --viewers "${EDGE_FANIN_VIEWERS:-500}" \
          --seconds "${EDGE_FANIN_SECONDS:-60}" --ramp-up "${EDGE_FANIN_RAMP:-10}" \
          --protocols "${EDGE_FANIN_PROTOCOLS:-hls,dash}" ;;
    lookup)
      run 900 lookup_bench.py --streams "${EDGE_LOOKUP_STREAMS:-2000}" \
          --slow-seconds "${EDGE_SLOW_SECONDS:-10}" ;;
    align)
      run 900 align_probe.py --workers "${EDGE_WRK_WORKERS:-2}" \
          --seconds "${EDGE_WRK_SECONDS:-10}" --reps "${EDGE_WRK_REPS:-3}" ;;
    folio)
      run 900 folio_probe.py --seconds "${EDGE_WRK_SECONDS:-10}" \
          --reps "${EDGE_WRK_REPS:-3}" ;;
    signed)
      run 900 signed_bench.py --workers "${EDGE_SIGNED_WORKERS:-1}" \
          --seconds "${EDGE_WRK_SECONDS:-10}" --conns "${EDGE_WRK_CONNS:-50}" \
          --threads "${EDGE_WRK_THREADS:-2}" --reps "${EDGE_WRK_REPS:-3}" \
          --placement "${EDGE_WRK_PLACEMENT:-apart}" ;;
    *) echo "bench/edge: unknown group '$g' (hit, fanin, lookup, align, folio, signed)" >&2
       exit 64 ;;
  esac
done
exit $status
