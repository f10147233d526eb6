#!/usr/bin/env bash
# The C++ tree's formatting, by the root .clang-format.
#   tools/format.sh          rewrite the files in place (make format)
#   tools/format.sh --check  list the files that differ; exit 1 if any
#                            (a ctest entry of make test)
# C code (store/, nginx-module/, lb-config/) keeps nginx's style by hand:
# clang-format cannot express it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format not found (make deps)" >&2; exit 2; }
mapfile -t files < <(git ls-files -- 'origin/*.cc' 'origin/*.h' \
  'tests/origin/*.cc' 'tests/origin/*.h' 'tests/fuzz/*.cc' 'tools/*.cc' 'tools/*.h' \
  'load/*.cc' 'load/*.h' 'tests/load/*.cc' 'tests/load/*.h')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
      echo "format: $f differs from .clang-format (make format)"; bad=1
    fi
  done
  [ $bad -eq 0 ] && echo "format: ${#files[@]} files match .clang-format"
  exit $bad
fi
clang-format --style=file -i "${files[@]}"
echo "format: ${#files[@]} files formatted"
