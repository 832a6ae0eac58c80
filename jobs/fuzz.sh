#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each one for a bounded number of
# inputs from a fixed seed: a smoke run for CI. For a real campaign: build-fuzz/tests/fuzz/fuzz_sale_feed
# tests/fuzz/corpus/sale_feed -max_total_time=600
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-20000}
export CCACHE_BASEDIR="$PWD"

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOZNSYNC_FUZZ=ON \
  -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz --target fuzz_targets
for name in sale_feed ozmap_page config serve_query; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$name/* "$work"/
  echo "fuzz_$name"
  build-fuzz/tests/fuzz/fuzz_$name "$work" -seed=1 -runs="$runs" -max_len=4096 -timeout=10 -artifact_prefix=build-fuzz/ >build-fuzz/fuzz_$name.log 2>&1 || { tail -40 build-fuzz/fuzz_$name.log; exit 1; }
  tail -1 build-fuzz/fuzz_$name.log
  rm -rf "$work"
done
