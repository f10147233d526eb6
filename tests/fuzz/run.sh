#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan + UBSan) and runs it.
#   tests/fuzz/run.sh TARGET SECONDS OUTDIR
# The corpus in tests/fuzz/corpus/TARGET seeds it; new finds go to OUTDIR.
# Exits non-zero on a crash, leak or sanitizer report.
set -euo pipefail
target=$1 seconds=$2 out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out/corpus-$target"

case $target in
  uri) srcs=("$root/store/src/uri.c" "$root/store/src/record.c")
       incs=(-I"$root/store/include" -I"$root/store/src") ;;
  *)   echo "run.sh: unknown fuzz target '$target'" >&2; exit 2 ;;
esac

bin=$out/${target}_fuzz
stale=0
[ -x "$bin" ] || stale=1
for f in "$root/tests/fuzz/${target}_fuzz.c" "${srcs[@]}"; do
  [ "$f" -nt "$bin" ] && stale=1
done
if [ "$stale" = 1 ]; then
  clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined "${incs[@]}" \
        "$root/tests/fuzz/${target}_fuzz.c" "${srcs[@]}" -o "$bin"
fi
cd "$out"
"$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 \
       -print_final_stats=1 "$out/corpus-$target" \
       "$root/tests/fuzz/corpus/$target" 2>&1 | tail -n 12
echo "fuzz $target: ${seconds}s without a crash"
