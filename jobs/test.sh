#!/usr/bin/env bash
# README set-up command (2): install what is missing, build, smoke-run the fuzzers, run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium renders report.html in the browser test; clang builds the libFuzzer targets.
jobs/install-deps.sh chromium clang libclang-rt-14-dev
jobs/build.sh
jobs/fuzz.sh
cd build
ctest --output-on-failure -j2 "$@"
