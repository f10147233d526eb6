#!/usr/bin/env bash
# The edge module's unit tests: no nginx needed.
#   nginx-module/tests/run_unit.sh [OUTDIR] [FUZZ_SECONDS]
# Each pure parser of src/, compiled on its own (the request-path parser
# src/ngx_http_fanout_uri.c with auth/src/stream_scope.c, the rendition
# rule it shares; the playlist position parser; the heartbeat's /proc
# parsers; the newest-segments parser with the XML scanner; the prefetch's
# response head parser), gets its cmocka test (tests/<name>_test.c; the
# path parser's also reads tests/data/stream_ids.tsv) built under ASan +
# UBSan and run, then its libFuzzer target (tests/<name>_fuzz.c) built with
# clang and run FUZZ_SECONDS (default 20; 0 skips them), seeded from
# tests/corpus/<name>.  Exits non-zero on a failure, crash, leak or
# sanitizer report.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../src
out=${1:-${FANOUT_BUILD:-$here/../../build}/nginx-module-tests}
seconds=${2:-${FUZZ_SECONDS:-20}}
mkdir -p "$out"

data=$here/../../tests/data
auth=$here/../../auth
cflags=(-std=c11 -g -O1 -Wall -Wextra -Werror -I"$src" -I"$auth/include")

# name -> the sources its test and fuzz target link (besides their own)
declare -A sources=(
  [uri]="$src/ngx_http_fanout_uri.c $auth/src/stream_scope.c"
  [position]="$src/ngx_http_fanout_position.c"
  [proc]="$src/ngx_http_fanout_proc.c"
  [segments]="$src/ngx_http_fanout_segments.c $src/ngx_http_fanout_xml.c"
  [head]="$src/ngx_http_fanout_head.c"
)
names=(uri position proc segments head)

for name in "${names[@]}"; do
  read -ra srcs <<< "${sources[$name]}"
  gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
      -I"$data" -DFO_STREAM_IDS_TSV="\"$data/stream_ids.tsv\"" \
      "$here/${name}_test.c" "${srcs[@]}" -lcmocka \
      -o "$out/edge_${name}_test"
  "$out/edge_${name}_test"
done

if [ "$seconds" -gt 0 ]; then
  for name in "${names[@]}"; do
    read -ra srcs <<< "${sources[$name]}"
    mkdir -p "$out/corpus-$name"
    clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
          -fno-sanitize-recover=undefined \
          "$here/${name}_fuzz.c" "${srcs[@]}" -o "$out/edge_${name}_fuzz"
    (cd "$out" && "./edge_${name}_fuzz" -max_total_time="$seconds" \
         -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
         "$out/corpus-$name" "$here/corpus/$name" 2>&1 | tail -n 6)
    echo "fuzz edge_$name: ${seconds}s without a crash"
  done
fi
