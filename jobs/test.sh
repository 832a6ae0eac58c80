#!/usr/bin/env bash
# README set-up command (2): install what is missing, build, smoke-run the fuzzers, run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium renders report.html in the browser test; clang builds the libFuzzer targets; the shared-store
# tests start their own PostgreSQL 15 + PostGIS cluster (initdb, pg_ctl) from these packages.
jobs/install-deps.sh chromium clang libclang-rt-14-dev postgresql-15 postgresql-15-postgis-3
# The contract test validates every request body against the official OZmap SDK's schemas (npm registry).
command -v npm >/dev/null || jobs/install-deps.sh nodejs npm
(cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)
jobs/build.sh
jobs/package.sh
jobs/fuzz.sh
cd build
ctest --output-on-failure -j2 "$@"
