#!/usr/bin/env bash
# Configures and builds into build/ (ccache makes a rebuild of a fresh clone fast).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build
