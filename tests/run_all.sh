#!/usr/bin/env bash
# Runs every test (unit, contract, fuzz, integration, and the sanitizer
# pass: tests/sanitize.sh) through ctest; the closing lines are ctest's
# summary.
set -uo pipefail
cd "$(dirname "$0")/../build" || { echo "run_all: no build/ (run make build)" >&2; exit 1; }
ctest --output-on-failure --timeout 900 -j "${TEST_JOBS:-2}" "$@"
