#!/usr/bin/env bash
# Builds the .deb (CPack) and checks it the way an admin would meet it: unpacked into a scratch root, the
# installed oznsync runs, its man page and completion are there, every systemd unit passes
# `systemd-analyze verify` against the installed paths, and each service's hardening is "OK"
# (`systemd-analyze security`, exposure <= 2.9). Needs a configured build/ (jobs/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs/install-deps.sh dpkg-dev file
(cd build && rm -f oznsync_*.deb && cpack -G DEB >/dev/null)
deb=$(ls build/oznsync_*.deb)
echo "package: $deb ($(du -h "$deb" | cut -f1)); Depends: $(dpkg-deb -f "$deb" Depends)"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
"$root/usr/bin/oznsync" --version
"$root/usr/bin/ozmap-sim" --help >/dev/null
for f in usr/share/man/man1/oznsync.1 usr/share/bash-completion/completions/oznsync etc/oznsync/oznsync.ini.example \
         etc/logrotate.d/oznsync usr/lib/sysusers.d/oznsync.conf usr/lib/tmpfiles.d/oznsync.conf \
         usr/libexec/oznsync/oznsync-nightly.sh; do
  [ -s "$root/$f" ] || { echo "missing from the package: /$f"; exit 1; }
done
bash -n "$root/usr/share/bash-completion/completions/oznsync"
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed: units not verified"
  exit 0
fi
# The units refer to systemd's own targets and to /bin/sh: give the scratch root those, then verify.
mkdir -p "$root/usr/lib" "$root/usr/bin"
cp -a /usr/lib/systemd "$root/usr/lib/.systemd-host"
cp -an "$root/usr/lib/.systemd-host/." "$root/usr/lib/systemd/"
rm -rf "$root/usr/lib/.systemd-host"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"
cp /bin/sh "$root/usr/bin/sh"
units=(oznsync.service oznsync.timer oznsync@.service oznsync@.timer oznsync-incremental.service
       oznsync-incremental.timer oznsync-serve.service oznsync-failure@.service)
for u in "${units[@]}"; do
  out=$(systemd-analyze verify --root="$root" "/usr/lib/systemd/system/$u" 2>&1) || { echo "$out"; exit 1; }
  [ -z "$out" ] || { echo "systemd-analyze verify $u:"; echo "$out"; exit 1; }
done
echo "systemd-analyze verify: ${#units[@]} units clean"
for u in oznsync.service oznsync@operator.service oznsync-incremental.service oznsync-serve.service; do
  line=$(systemd-analyze security --offline=true --root="$root" "$u" 2>&1 | grep "Overall exposure level")
  score=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
  echo "$u: exposure $score"
  python3 -c "import sys; sys.exit(0 if float('$score') <= 2.9 else 1)" || { echo "$line"; exit 1; }
done
