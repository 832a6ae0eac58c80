#!/usr/bin/env bash
# Fleet read-API benchmark: FLEET_OPERATORS operators (default 50) x FLEET_BOXES boxes (default 20,000) in
# one `oznsync serve --fleet`, cross-operator feasibility (radius 150 m, random points over the whole
# region) under `wrk` (Debian package) with 50 kept-alive connections, then one connection alone; the
# server's own p99 from its /metrics histogram and its RSS. Timings are measured here, never asserted.
# The operators are one generated network pulled once, copied, and shifted so they tile a region side by
# side (each copy keeps its own operator name): the server holds FLEET_OPERATORS x FLEET_BOXES boxes.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${FLEET_OPERATORS:-50}
BOXES=${FLEET_BOXES:-20000}
DURATION=${FLEET_DURATION_S:-20}
work=$(mktemp -d /tmp/oznsync-fleet-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
[ -x build/oznsync ] || jobs/build.sh
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

build/ozmap-sim --api-key bench-key-0001 --projects 4 --boxes "$BOXES" --splitters-per-box 2 --ports 8 \
  --occupancy 0.5 --seed 3 >"$work/sim.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 600); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening //p' "$work/sim.out")
mkdir -p "$work/operators.d"
config() { # name -> an operator config
  printf '[ozmap]\nurl = %s\napi_key = bench-key-0001\n[ozneutral]\nsales = file:/dev/null\n[snapshot]\npath = %s/%s.db\n[reports]\ndir = %s/%s-reports\n' \
    "$url" "$work" "$1" "$work" "$1" >"$work/operators.d/$1.ini"
  chmod 600 "$work/operators.d/$1.ini"
}
config op-00
build/oznsync pull --config "$work/operators.d/op-00.ini" -q >/dev/null
kill "${pids[0]}"
# Only what feasibility reads is kept (boxes, splitters, ports); the copies tile a region, 10 per row.
sqlite3 "$work/op-00.db" "DELETE FROM properties; DELETE FROM clients; VACUUM;"
read -r lat0 lat1 lng0 lng1 < <(sqlite3 -separator ' ' "$work/op-00.db" "select min(lat), max(lat), min(lng), max(lng) from boxes")
span_lat=$(python3 -c "print($lat1 - $lat0 + 0.01)")
span_lng=$(python3 -c "print($lng1 - $lng0 + 0.01)")
for i in $(seq 1 $((N - 1))); do
  name=$(printf 'op-%02d' "$i")
  cp "$work/op-00.db" "$work/$name.db"
  sqlite3 "$work/$name.db" "UPDATE state SET value = '$name' WHERE key = 'operator';
    UPDATE boxes SET lat = lat - $((i / 10)) * $span_lat, lng = lng + $((i % 10)) * $span_lng;"
  config "$name"
done
rows=$(( (N + 9) / 10 ))
cols=$(( N < 10 ? N : 10 ))
token=fleet-bench-token-0123456789
echo "$token" >"$work/tokens" && chmod 600 "$work/tokens"
printf '[serve]\ntokens_file = %s\nrate_limit = 1000000\nthreads = 64\nmax_connections_per_client = 64\n' \
  "$work/tokens" >"$work/serve.ini"
chmod 600 "$work/serve.ini"
t0=$(date +%s.%N)
build/oznsync serve --listen 127.0.0.1:0 --config "$work/serve.ini" --fleet "$work/operators.d" \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 600); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening //p' "$work/serve.out")
until [ "$(grep -c 'in memory' "$work/serve.err")" -ge "$N" ]; do sleep 0.2; done
loaded=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
cat >"$work/feasibility.lua" <<LUA
math.randomseed(os.time())
request = function()
  local lat = $lat1 - math.random() * ($rows * $span_lat)
  local lng = $lng0 + math.random() * ($cols * $span_lng)
  return wrk.format("GET", string.format("/v1/feasibility?lat=%.6f&lng=%.6f&radius=150", lat, lng),
                    { ["Authorization"] = "Bearer $token" })
end
LUA
server_p99() { # the server's own histogram since the last call
  curl -sf -H "Authorization: Bearer $token" "$base/metrics" | python3 -c '
import re, sys
b = {m.group(1): int(m.group(2)) for m in re.finditer(r"oznsync_serve_request_duration_seconds_bucket\{(?:operator=\"[^\"]*\",)?le=\"([^\"]+)\"\} (\d+)", sys.stdin.read())}
print(" ".join("%s:%d" % (k, v) for k, v in b.items()))'
}
summary() { # before after -> p50/p99 of the answers between the two histogram reads
  python3 - "$1" "$2" <<'PY'
import sys
def parse(s): return {k: int(v) for k, v in (p.split(":") for p in s.split())}
a, b = parse(sys.argv[1]), parse(sys.argv[2])
d = {k: b[k] - a.get(k, 0) for k in b}
total = d["+Inf"]
def q(p):
    for le, n in sorted((float(k), v) for k, v in d.items() if k != "+Inf"):
        if n >= p * total: return "<= %g ms" % (le * 1000)
    return "> 1 s"
print("server side p50 %s, p99 %s (%d answers)" % (q(0.5), q(0.99), total))
PY
}
wrk -t2 -c50 -d2s -s "$work/feasibility.lua" "$base" >/dev/null # warm
h0=$(server_p99)
many=$(wrk -t2 -c50 -d"${DURATION}s" --latency -s "$work/feasibility.lua" "$base")
h1=$(server_p99)
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")
one=$(wrk -t1 -c1 -d10s --latency -s "$work/feasibility.lua" "$base")
h2=$(server_p99)
rate() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
lat99() { echo "$1" | awk '$1 == "99%" {print $2}'; }
boxes=$(( N * $(sqlite3 "$work/op-00.db" "select count(*) from boxes") ))
echo "| \`serve --fleet\`: $N operators, $boxes boxes in memory (loaded in ${loaded} s), cross-operator feasibility, radius 150 m, \`wrk\` 50 connections ${DURATION} s | $(rate "$many") answers/s, client p99 $(lat99 "$many"); $(summary "$h0" "$h1"); peak RSS $((rss_kb / 1024)) MB |"
echo "| the same, one connection | $(rate "$one") answers/s, client p99 $(lat99 "$one"); $(summary "$h1" "$h2") |"
if command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "| PostGIS beside it | not yet in this bench (issue: the shared store) |"
else
  echo "| PostGIS beside it | skipped: postgresql-15-postgis-3 is not installed |"
fi
