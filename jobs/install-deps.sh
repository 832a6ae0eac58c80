#!/usr/bin/env bash
# Installs the Debian 12 packages oznsync needs to build, test and run (only those missing).
set -euo pipefail
packages=(build-essential cmake ninja-build ccache pkg-config
          libpoco-dev libboost-program-options-dev libspdlog-dev doctest-dev
          libsqlite3-dev sqlite3 libsimdjson-dev libmimalloc-dev libtsl-hopscotch-map-dev zlib1g-dev libpq-dev curl python3
          python3-prometheus-client prometheus "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
