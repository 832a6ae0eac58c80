#!/usr/bin/env bash
# Builds the .deb (CPack) and checks it the way an admin would meet it: unpacked into a scratch root, the
# installed oznsync runs, its man page and completion are there, every systemd unit passes
# `systemd-analyze verify` against the installed paths, and each service's hardening is "OK"
# (`systemd-analyze security`, exposure <= 2.9), and lintian finds no error or warning. Needs a configured
# build/ (jobs/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs/install-deps.sh dpkg-dev file lintian
(cd build && rm -f oznsync_*.deb && cpack -G DEB >/dev/null)
deb=$(ls build/oznsync_*.deb)
echo "package: $deb ($(du -h "$deb" | cut -f1)); Depends: $(dpkg-deb -f "$deb" Depends)"
# Debian's own judge: no error and no warning, pedantic tags shown (as root: lintian refuses to run as
# root without --allow-root).
lintian --pedantic --allow-root --fail-on error,warning "$deb"
echo "lintian --pedantic: no errors, no warnings"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
"$root/usr/bin/oznsync" --version
# Install, remove and purge with dpkg in a scratch root (its maintainer scripts run chrooted there, never
# on this host): remove keeps /etc; purge removes the conffiles and the logs, keeps the operator's data
# (state, reports, hand-over files, operator configs) and says so.
if [ "$(id -u)" -eq 0 ]; then
  inst=$(mktemp -d)
  trap 'rm -rf "$root" "$inst"' EXIT
  mkdir -p "$inst/var/lib/dpkg/info" "$inst/var/lib/dpkg/updates" "$inst/usr/bin" "$inst/usr/lib" "$inst/lib64"
  touch "$inst/var/lib/dpkg/status" "$inst/var/lib/dpkg/available"
  mkdir -p "$inst/dev" && mknod -m 666 "$inst/dev/null" c 1 3
  ln -s usr/bin "$inst/bin"
  ln -s usr/lib "$inst/lib"
  tools=(/usr/bin/sh /usr/bin/rm /usr/bin/rmdir /usr/bin/find /usr/bin/head)
  cp "${tools[@]}" "$inst/usr/bin/"
  for lib in $(ldd "${tools[@]}" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
    mkdir -p "$inst$(dirname "$lib")"
    cp -L "$lib" "$inst$lib"
  done
  dpkg --root="$inst" --force-depends -i "$deb" >/dev/null 2>&1 || { echo "dpkg -i failed"; exit 1; }
  mkdir -p "$inst/etc/oznsync/operators.d" "$inst/var/lib/oznsync/acme" "$inst/var/log/oznsync"
  echo "[operator]" >"$inst/etc/oznsync/operators.d/acme.ini"
  echo "state" >"$inst/var/lib/oznsync/acme/oznsync.db"
  echo "log" >"$inst/var/log/oznsync/acme.log"
  dpkg --root="$inst" --force-depends -r oznsync >/dev/null 2>&1 || { echo "dpkg -r failed"; exit 1; }
  [ ! -e "$inst/usr/bin/oznsync" ] && [ -f "$inst/etc/oznsync/oznsync.ini.example" ] ||
    { echo "remove: the binaries must go and /etc stay"; exit 1; }
  purged=$(dpkg --root="$inst" --force-depends -P oznsync 2>&1) || { echo "$purged"; exit 1; }
  [ ! -e "$inst/etc/oznsync/oznsync.ini.example" ] && [ ! -e "$inst/etc/logrotate.d/oznsync" ] &&
    [ ! -e "$inst/var/log/oznsync" ] && [ -f "$inst/var/lib/oznsync/acme/oznsync.db" ] &&
    [ -f "$inst/etc/oznsync/operators.d/acme.ini" ] ||
    { echo "purge: conffiles and logs must go, the operator's data stay"; exit 1; }
  echo "$purged" | grep -q "kept, being the operator's data: /var/lib/oznsync .* /etc/oznsync" ||
    { echo "purge did not say what it kept: $purged"; exit 1; }
  echo "dpkg install, remove, purge: clean; purge keeps and names the operator's data"
else
  echo "dpkg install/remove/purge not checked: needs root (the maintainer scripts run in a chroot)"
fi
"$root/usr/bin/ozmap-sim" --help >/dev/null
for f in etc/oznsync/operator.ini.example usr/share/man/man1/oznsync.1.gz usr/share/man/man1/ozmap-sim.1.gz usr/share/doc/oznsync/copyright \
         usr/share/doc/oznsync/changelog.gz usr/share/bash-completion/completions/oznsync etc/oznsync/oznsync.ini.example \
         etc/logrotate.d/oznsync usr/lib/sysusers.d/oznsync.conf usr/lib/tmpfiles.d/oznsync.conf \
         usr/libexec/oznsync/oznsync-nightly.sh; do
  [ -s "$root/$f" ] || { echo "missing from the package: /$f"; exit 1; }
done
bash -n "$root/usr/share/bash-completion/completions/oznsync"
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed: units not verified"
  exit 0
fi
# The units refer to systemd's own targets and to /bin/sh: give the scratch root those, then verify
# (with its man pages: verify checks that Documentation=man:oznsync(1) opens).
mkdir -p "$root/usr/lib" "$root/usr/bin"
cp -a /usr/lib/systemd "$root/usr/lib/.systemd-host"
cp -an "$root/usr/lib/.systemd-host/." "$root/usr/lib/systemd/"
rm -rf "$root/usr/lib/.systemd-host"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"
cp /bin/sh "$root/usr/bin/sh"
units=(oznsync.service oznsync.timer oznsync@.service oznsync@.timer oznsync-incremental.service
       oznsync-incremental.timer oznsync-incremental@.service oznsync-incremental@.timer oznsync-serve.service
       oznsync-serve@.service oznsync-fleet-serve.service oznsync-store-serve.service oznsync-failure@.service)
for u in "${units[@]}"; do
  out=$(MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" "/usr/lib/systemd/system/$u" 2>&1) || { echo "$out"; exit 1; }
  [ -z "$out" ] || { echo "systemd-analyze verify $u:"; echo "$out"; exit 1; }
done
echo "systemd-analyze verify: ${#units[@]} units clean"
# One operator, one config, one database: the per-operator units read operators.d/NAME.ini and override
# none of its paths, so the same file by hand reaches the same database.
for u in oznsync@.service oznsync-incremental@.service oznsync-serve@.service; do
  grep -q "/etc/oznsync/operators.d/%i.ini" "$root/usr/lib/systemd/system/$u" ||
    { echo "$u does not read /etc/oznsync/operators.d/%i.ini"; exit 1; }
  if grep -E "OZNSYNC_(SNAPSHOT_PATH|REPORTS_DIR|REPORTS_METRICS_FILE|PARTNERS_HANDOVER_DIR)" \
       "$root/usr/lib/systemd/system/$u"; then
    echo "$u overrides a path of the operator's config"; exit 1
  fi
done
for u in oznsync.service oznsync@operator.service oznsync-incremental.service oznsync-incremental@operator.service \
         oznsync-serve.service oznsync-serve@operator.service oznsync-fleet-serve.service oznsync-store-serve.service \
         oznsync-failure@oznsync.service.service; do
  line=$(systemd-analyze security --offline=true --root="$root" "$u" 2>&1 | grep "Overall exposure level")
  score=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
  echo "$u: exposure $score"
  python3 -c "import sys; sys.exit(0 if float('$score') <= 2.9 else 1)" || { echo "$line"; exit 1; }
done
