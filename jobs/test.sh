#!/usr/bin/env bash
# README set-up command (2): install what is missing, build, run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs/install-deps.sh
jobs/build.sh
cd build
ctest --output-on-failure -j2 "$@"
