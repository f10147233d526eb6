#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan + UBSan) and runs it.
#   tests/fuzz/run.sh TARGET SECONDS OUTDIR
# The corpus in tests/fuzz/corpus/TARGET seeds it; new finds go to OUTDIR.
# SECONDS 0 replays the corpus instead, every input once (the sanitizer
# pass).  edge_uri, edge_position, edge_segments, edge_proc and edge_head
# are the edge module's path, playlist position, newest-segments, /proc
# and response head parsers and their corpora (nginx-module/tests).
# Exits non-zero on a crash, leak or sanitizer report.
set -euo pipefail
target=$1 seconds=$2 out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out/corpus-$target"

store=(-I"$root/store/include" -I"$root/store/src")
origin=(-I"$root/origin/src")
edge=(-I"$root/nginx-module/src")
main=$root/tests/fuzz/${target}_fuzz.c
corpus=$root/tests/fuzz/corpus/$target
if [[ $target == edge_* ]]; then   # the edge module's, in nginx-module/tests
  main=$root/nginx-module/tests/${target#edge_}_fuzz.c
  corpus=$root/nginx-module/tests/corpus/${target#edge_}
fi
media=(origin/src/media/{flv,avc,hevc,aac,nal}.cc)
libs=()
case $target in
  uri)          srcs=(store/src/uri.c store/src/record.c); incs=("${store[@]}") ;;
  http_request) srcs=(origin/src/http/{request_parser,request_target,range}.cc)
                incs=("${origin[@]}") ;;
  rtmp_handshake) srcs=(origin/src/ingest/rtmp/handshake.cc)
                incs=("${origin[@]}"); libs=(-lcrypto) ;;
  rtmp_chunk)   srcs=(origin/src/ingest/rtmp/chunk.cc); incs=("${origin[@]}") ;;
  amf0)         srcs=(origin/src/ingest/rtmp/amf0.cc); incs=("${origin[@]}") ;;
  flv)          srcs=("${media[@]}"); incs=("${origin[@]}") ;;
  session)      srcs=(origin/src/ingest/rtmp/{session,publish_media,chunk,amf0,handshake}.cc
                      origin/src/media/media_queue.cc origin/src/core/stream_key.cc
                      store/src/record.c "${media[@]}")
                incs=("${origin[@]}" "${store[@]}"); libs=(-lcrypto) ;;
  http_response) srcs=(load/src/{http_response,hls,dash}.cc
                      origin/src/http/{request_parser,request_target}.cc)
                incs=("${origin[@]}" -I"$root/load/src") ;;
  rtmp_publish) srcs=(load/src/rtmp_publish.cc
                      origin/src/ingest/rtmp/{chunk,amf0,handshake}.cc)
                incs=("${origin[@]}" -I"$root/load/src"); libs=(-lcrypto) ;;
  ladder_settings) srcs=(origin/src/transcode/{ladder_settings,app_settings}.cc
                      origin/src/package/hls_time_setting.cc)
                incs=("${origin[@]}") ;;
  jwt)          srcs=(origin/src/core/{jwt,json_depth}.cc)
                incs=("${origin[@]}"); libs=(-lcrypto) ;;
  token_query)  srcs=(origin/src/auth/{token_query,stream_token}.cc
                      origin/src/core/{jwt,json_depth}.cc)
                incs=("${origin[@]}"); libs=(-lcrypto) ;;
  playback_token) srcs=(auth/src/{playback_token,playback_keys,stream_scope}.c)
                incs=(-I"$root/auth/include"); libs=(-lcrypto) ;;
  edge_uri)     srcs=(nginx-module/src/ngx_http_fanout_uri.c auth/src/stream_scope.c)
                incs=("${edge[@]}" -I"$root/auth/include") ;;
  edge_position) srcs=(nginx-module/src/ngx_http_fanout_position.c); incs=("${edge[@]}") ;;
  edge_segments) srcs=(nginx-module/src/ngx_http_fanout_{segments,xml}.c)
                incs=("${edge[@]}") ;;
  edge_proc)    srcs=(nginx-module/src/ngx_http_fanout_proc.c); incs=("${edge[@]}") ;;
  edge_head)    srcs=(nginx-module/src/ngx_http_fanout_head.c); incs=("${edge[@]}") ;;
  *)            echo "run.sh: unknown fuzz target '$target'" >&2; exit 2 ;;
esac

cc=(clang -std=c11 -D_GNU_SOURCE)
if [ ! -f "$main" ]; then
  main=${main}c
  cc=(clang++ -std=c++20)
fi
bin=$out/${target}_fuzz
stale=0
[ -x "$bin" ] || stale=1
for f in "$main" "${srcs[@]/#/$root/}"; do
  [ "$f" -nt "$bin" ] && stale=1
done
# ccache, where there is one: the sources change rarely, and each target
# costs seconds of clang.
cache=()
command -v ccache >/dev/null && cache=(ccache)
if [ "$stale" = 1 ]; then
  # C sources in a C++ target are compiled as C.
  objs=()
  for s in "${srcs[@]}"; do
    o=$out/$(echo "$s" | tr / _).o
    case $s in
      *.c) "${cache[@]}" clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
             "${incs[@]}" -c "$root/$s" -o "$o" ;;
      *)   "${cache[@]}" clang++ -std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
             "${incs[@]}" -c "$root/$s" -o "$o" ;;
    esac
    objs+=("$o")
  done
  "${cache[@]}" "${cc[@]}" -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
    -fno-sanitize-recover=undefined "${incs[@]}" -c "$main" -o "$bin.main.o"
  "${cc[@]}" -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined "$bin.main.o" "${objs[@]}" \
    "${libs[@]}" -o "$bin"
fi
cd "$out"
if [ "$seconds" = 0 ]; then
  # Files as arguments: libFuzzer runs each once and does not fuzz.
  find "$corpus" -type f -print0 |
    xargs -0 -r "$bin" -timeout=5 -rss_limit_mb=1024 2>&1 | tail -n 3
  echo "fuzz $target: $(find "$corpus" -type f | wc -l) corpus inputs" \
       "without a report"
  exit 0
fi
"$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 \
       -print_final_stats=1 "$out/corpus-$target" "$corpus" 2>&1 |
  tail -n 12
echo "fuzz $target: ${seconds}s without a crash"
