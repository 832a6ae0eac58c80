#!/usr/bin/env bash
# The nightly job as the scheduler runs it: `oznsync run`, retried while OZmap or OZneutral is unavailable
# (exit 75), then the available-ports export for OZneutral. Exit codes are oznsync's (see oznsync --help).
set -uo pipefail
OZNSYNC=${OZNSYNC:-/usr/local/bin/oznsync}
CONFIG=${OZNSYNC_CONFIG:-/etc/oznsync/oznsync.ini}
AVAILABILITY_OUT=${AVAILABILITY_OUT:-/var/lib/oznsync/availability.json}
RETRIES=${RETRIES:-3}
RETRY_WAIT=${RETRY_WAIT:-600}

code=0
for attempt in $(seq 1 "$RETRIES"); do
  "$OZNSYNC" run --config "$CONFIG" --log-format json
  code=$?
  [ "$code" -ne 75 ] && break
  [ "$attempt" -lt "$RETRIES" ] && sleep "$RETRY_WAIT"
done
# 0 in sync / applied, 3 partial (conflicts are normal): the snapshot is fresh, export what OZneutral may see.
if [ "$code" -eq 0 ] || [ "$code" -eq 3 ]; then
  "$OZNSYNC" availability --config "$CONFIG" --format json --out "$AVAILABILITY_OUT" || code=$?
fi
exit "$code"
