#!/usr/bin/env bash
# The edge module's unit tests: no nginx needed.
#   nginx-module/tests/run_unit.sh [OUTDIR] [FUZZ_SECONDS]
# Builds the request-path parser (src/ngx_http_fanout_uri.c, standalone but
# for auth/src/stream_scope.c, the rendition rule it shares)
# the playlist position parser (src/ngx_http_fanout_position.c), the
# heartbeat's /proc parsers (src/ngx_http_fanout_proc.c) and the
# newest-segments parser (src/ngx_http_fanout_segments.c) and the
# response head parser of the prefetch (src/ngx_http_fanout_head.c)
# with its cmocka test (which also reads tests/data/stream_ids.tsv) under
# ASan + UBSan and runs it, then builds the
# libFuzzer target with clang and runs it FUZZ_SECONDS (default 20; 0
# skips it), seeded from tests/corpus/uri.  Exits non-zero on a failure,
# crash, leak or sanitizer report.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../src
out=${1:-${FANOUT_BUILD:-$here/../../build}/nginx-module-tests}
seconds=${2:-${FUZZ_SECONDS:-20}}
mkdir -p "$out/corpus-uri"

data=$here/../../tests/data
auth=$here/../../auth
cflags=(-std=c11 -g -O1 -Wall -Wextra -Werror -I"$src" -I"$auth/include")

gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
    -I"$data" -DFO_STREAM_IDS_TSV="\"$data/stream_ids.tsv\"" \
    "$here/uri_test.c" "$src/ngx_http_fanout_uri.c" \
    "$auth/src/stream_scope.c" -lcmocka \
    -o "$out/edge_uri_test"

gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
    "$here/position_test.c" "$src/ngx_http_fanout_position.c" -lcmocka \
    -o "$out/edge_position_test"
"$out/edge_position_test"
"$out/edge_uri_test"

gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
    "$here/proc_test.c" "$src/ngx_http_fanout_proc.c" -lcmocka \
    -o "$out/edge_proc_test"
"$out/edge_proc_test"

gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
    "$here/segments_test.c" "$src/ngx_http_fanout_segments.c" \
    "$src/ngx_http_fanout_xml.c" -lcmocka \
    -o "$out/edge_segments_test"

gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all \
    "$here/head_test.c" "$src/ngx_http_fanout_head.c" -lcmocka \
    -o "$out/edge_head_test"
"$out/edge_head_test"
"$out/edge_segments_test"

if [ "$seconds" -gt 0 ]; then
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined \
        "$here/uri_fuzz.c" "$src/ngx_http_fanout_uri.c" \
        "$auth/src/stream_scope.c" -o "$out/edge_uri_fuzz"
  (cd "$out" && ./edge_uri_fuzz -max_total_time="$seconds" -timeout=5 \
       -rss_limit_mb=1024 -print_final_stats=1 "$out/corpus-uri" \
       "$here/corpus/uri" 2>&1 | tail -n 6)
  echo "fuzz edge_uri: ${seconds}s without a crash"
  mkdir -p "$out/corpus-position"
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined \
        "$here/position_fuzz.c" "$src/ngx_http_fanout_position.c" \
        -o "$out/edge_position_fuzz"
  (cd "$out" && ./edge_position_fuzz -max_total_time="$seconds" -timeout=5 \
       -rss_limit_mb=1024 -print_final_stats=1 "$out/corpus-position" \
       "$here/corpus/position" 2>&1 | tail -n 6)
  echo "fuzz edge_position: ${seconds}s without a crash"
  mkdir -p "$out/corpus-segments"
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined \
        "$here/segments_fuzz.c" "$src/ngx_http_fanout_segments.c" \
        "$src/ngx_http_fanout_xml.c" \
        -o "$out/edge_segments_fuzz"
  (cd "$out" && ./edge_segments_fuzz -max_total_time="$seconds" -timeout=5 \
       -rss_limit_mb=1024 -print_final_stats=1 "$out/corpus-segments" \
       "$here/corpus/segments" 2>&1 | tail -n 6)
  echo "fuzz edge_segments: ${seconds}s without a crash"
  mkdir -p "$out/corpus-proc"
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined \
        "$here/proc_fuzz.c" "$src/ngx_http_fanout_proc.c" \
        -o "$out/edge_proc_fuzz"
  (cd "$out" && ./edge_proc_fuzz -max_total_time="$seconds" -timeout=5 \
       -rss_limit_mb=1024 -print_final_stats=1 "$out/corpus-proc" \
       "$here/corpus/proc" 2>&1 | tail -n 6)
  echo "fuzz edge_proc: ${seconds}s without a crash"
  mkdir -p "$out/corpus-head"
  clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined \
        "$here/head_fuzz.c" "$src/ngx_http_fanout_head.c" \
        -o "$out/edge_head_fuzz"
  (cd "$out" && ./edge_head_fuzz -max_total_time="$seconds" -timeout=5 \
       -rss_limit_mb=1024 -print_final_stats=1 "$out/corpus-head" \
       "$here/corpus/head" 2>&1 | tail -n 6)
  echo "fuzz edge_head: ${seconds}s without a crash"
fi
