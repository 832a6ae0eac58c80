#!/usr/bin/env bash
# Fleet read-API benchmark: FLEET_OPERATORS operators (default 50) x FLEET_BOXES boxes (default 20,000) in
# one `oznsync serve --fleet`, cross-operator feasibility (radius 150 m, random points over the whole
# region) under `wrk` (Debian package) with 50 kept-alive connections, then one connection alone; the
# server's own p99 from its /metrics histogram and its RSS. Timings are measured here, never asserted.
# The operators are one generated network pulled once, copied, and shifted so they tile a region side by
# side (each copy keeps its own operator name): the server holds FLEET_OPERATORS x FLEET_BOXES boxes.
# Then PostgreSQL + PostGIS on the same boxes with pgbench (skipped with a line when not installed), the
# shared store (every operator published, a `serve --store` replica loading them and answering), and
# one FLEET_BIG_BOXES-box operator (default 100,000): its availability feed streamed and gzipped, and
# how soon a new snapshot of it is answered.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${FLEET_OPERATORS:-50}
BOXES=${FLEET_BOXES:-20000}
DURATION=${FLEET_DURATION_S:-20}
work=$(mktemp -d /tmp/oznsync-fleet-bench-XXXXXX)
pids=()
stop_all() { # the servers and simulators this bench started, then their files
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
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

# PostgreSQL 15 + PostGIS beside it, on the same boxes: the obvious alternative (a geography column with a
# GiST index, ST_DWithin, pgbench with 50 clients). Each box's free ports are counted once at load, so
# PostGIS answers the same question with less work per answer than serve does (serve reads the ports).
pg=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pg" ] || [ ! -x "$pg/pgbench" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  echo "| PostGIS beside it | skipped: postgresql-15 and postgresql-15-postgis-3 are not installed |"
else
  pgdir=$(mktemp -d /tmp/oznsync-bench-pg-XXXXXX)
  chmod 755 "$pgdir"
  as_pg() { if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$pgdir"; su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
  trap 'as_pg "$pg/pg_ctl -D $pgdir/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$pgdir"; stop_all' EXIT
  as_pg "$pg/initdb -D $pgdir/data -A trust -U postgres" >/dev/null
  as_pg "$pg/pg_ctl -D $pgdir/data -w -l $pgdir/log -o \"-k $pgdir -c listen_addresses= -c max_connections=120 -c shared_buffers=512MB\" start" >/dev/null
  psql=("$pg/psql" -q -h "$pgdir" -U postgres -v ON_ERROR_STOP=1)
  "${psql[@]}" -c "CREATE DATABASE bench" >/dev/null
  "${psql[@]}" -d bench -c "CREATE EXTENSION postgis;
    CREATE TABLE staged (operator text, id text, name text, project text, lat float8, lng float8, draft bool, free_ports int)" >/dev/null
  for i in $(seq 0 $((N - 1))); do
    name=$(printf 'op-%02d' "$i")
    sqlite3 -csv "$work/$name.db" "SELECT '$name', b.id, b.name, b.project, b.lat, b.lng, b.draft,
        coalesce(sum(length(s.port_states) - length(replace(s.port_states, '.', ''))), 0)
      FROM boxes b LEFT JOIN splitters s ON s.snapshot_id = b.snapshot_id AND s.box = b.id
      WHERE b.snapshot_id = (SELECT max(id) FROM snapshots WHERE status = 'complete') GROUP BY b.id"
  done | "${psql[@]}" -d bench -c "\copy staged FROM STDIN WITH (FORMAT csv)"
  "${psql[@]}" -d bench -c "CREATE TABLE boxes AS SELECT operator, id, name, project, draft, free_ports,
      ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography AS geog FROM staged;
    DROP TABLE staged; CREATE INDEX boxes_geog ON boxes USING gist (geog)" >/dev/null
  "${psql[@]}" -d bench -c "VACUUM ANALYZE boxes" >/dev/null
  cat >"$work/postgis.sql" <<SQL
\set r1 random(0, 1000000)
\set r2 random(0, 1000000)
\set lat $lat1 - :r1 / 1000000.0 * ($rows * $span_lat)
\set lng $lng0 + :r2 / 1000000.0 * ($cols * $span_lng)
SELECT operator, id, name, project, free_ports, ST_Distance(geog, p, false) AS d
  FROM boxes, (SELECT ST_SetSRID(ST_MakePoint(:lng, :lat), 4326)::geography AS p) q
  WHERE ST_DWithin(geog, p, 150, false) AND free_ports > 0 AND NOT draft ORDER BY d;
SQL
  "$pg/pgbench" -n -h "$pgdir" -U postgres -c 50 -j 2 -T 2 -f "$work/postgis.sql" bench >/dev/null 2>&1 # warm
  bench_pg=$("$pg/pgbench" -n -h "$pgdir" -U postgres -c 50 -j 2 -T "$DURATION" -f "$work/postgis.sql" bench 2>&1)
  tps=$(echo "$bench_pg" | awk -F'[ =(]+' '/^tps/ {print $2; exit}')
  avg=$(echo "$bench_pg" | awk -F' = ' '/latency average/ {print $2}')
  # The same answers: the viable boxes (operator, id) of serve and of PostGIS at 50 random points.
  same=$(python3 - "$base" "$token" "$lat1" "$lng0" "$rows" "$span_lat" "$cols" "$span_lng" "${psql[*]}" <<'PY'
import json, random, subprocess, sys, urllib.request
base, token, lat1, lng0, rows, span_lat, cols, span_lng, psql = sys.argv[1:]
lat1, lng0, span_lat, span_lng, rows, cols = map(float, (lat1, lng0, span_lat, span_lng, rows, cols))
random.seed(7)
same = 0
for _ in range(50):
    lat = lat1 - random.random() * rows * span_lat
    lng = lng0 + random.random() * cols * span_lng
    req = urllib.request.Request(f"{base}/v1/feasibility?lat={lat:.6f}&lng={lng:.6f}&radius=150",
                                 headers={"Authorization": "Bearer " + token})
    answer = json.load(urllib.request.urlopen(req))
    ours = {(b["operator"], b["id"]) for b in answer["viable_boxes"]}
    sql = (f"SELECT operator || ' ' || id FROM boxes WHERE ST_DWithin(geog, ST_SetSRID(ST_MakePoint({lng}, {lat}), 4326)::geography, 150, false) "
           "AND free_ports > 0 AND NOT draft")
    out = subprocess.run(psql.split() + ["-d", "bench", "-At", "-c", sql], capture_output=True, text=True, check=True).stdout
    theirs = {tuple(line.split(" ", 1)) for line in out.split("\n") if line}
    same += ours == theirs
print(same)
PY
)
  ratio=$(python3 -c "print(round($(rate "$many") / $tps, 1))")
  echo "| PostgreSQL 15 + PostGIS on the same $boxes boxes (ST_DWithin on geography, GiST), \`pgbench\` 50 clients ${DURATION} s | $(printf '%.0f' "$tps") answers/s, latency average $avg; the same viable boxes at $same of 50 random points; serve answers **${ratio}x** as many |"

  # The shared store: every operator publishes to it (publish.url), then a `serve --store` replica loads
  # them all, answers under the same load, and takes up a new publish of one operator (NOTIFY).
  "${psql[@]}" -c "CREATE DATABASE shared" >/dev/null
  "${psql[@]}" -d shared -c "CREATE EXTENSION postgis" >/dev/null
  store="postgresql:///shared?host=$pgdir&user=postgres"
  published0=$(date +%s.%N)
  for i in $(seq 0 $((N - 1))); do
    name=$(printf 'op-%02d' "$i")
    printf '[publish]\nurl = %s\n' "$store" >>"$work/operators.d/$name.ini"
    build/oznsync publish --config "$work/operators.d/$name.ini" -q >/dev/null
  done
  published=$(python3 -c "import time; print(round(time.time() - $published0, 1))")
  in_store=$("${psql[@]}" -d shared -At -c "SELECT sum(boxes) FROM oznsync.operators")
  t0=$(date +%s.%N)
  build/oznsync serve --listen 127.0.0.1:0 --config "$work/serve.ini" --store "$store" \
    >"$work/replica.out" 2>"$work/replica.err" &
  replica_pid=$!
  pids+=("$replica_pid")
  for _ in $(seq 1200); do grep -q listening "$work/replica.out" 2>/dev/null && break; sleep 0.05; done
  replica_loaded=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
  replica=$(sed -n 's/^listening //p' "$work/replica.out")
  wrk -t2 -c50 -d2s -s "$work/feasibility.lua" "$replica" >/dev/null # warm
  from_store=$(wrk -t2 -c50 -d"${DURATION}s" --latency -s "$work/feasibility.lua" "$replica")
  replica_rss=$(awk '/VmHWM/ {print $2}' "/proc/$replica_pid/status")
  # A publish of one operator: from its commit (the NOTIFY) until the replica answers from it.
  before=$(curl -s -H "Authorization: Bearer $token" "$replica/v1/operators/op-07/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["published_at"])')
  sleep 1.1 # published_at has whole seconds: the next publish shows a new one
  build/oznsync publish --force --config "$work/operators.d/op-07.ini" -q >/dev/null
  committed=$(date +%s.%N)
  until [ "$(curl -s -H "Authorization: Bearer $token" "$replica/v1/operators/op-07/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["published_at"])')" != "$before" ]; do sleep 0.01; done
  notified=$(python3 -c "import time; print(round(time.time() - $committed, 2))")
  ratio_store=$(python3 -c "print(round($(rate "$from_store") / $tps, 1))")
  echo "| shared store: $N operators publish to PostgreSQL (\`oznsync publish\` each, one after another) | $in_store boxes with a free port in ${published} s |"
  echo "| \`serve --store\` replica: full load of the $N operators from PostgreSQL | listening after ${replica_loaded} s; peak RSS $((replica_rss / 1024)) MB |"
  echo "| the replica under the same load as \`serve --fleet\` (\`wrk\` 50 connections ${DURATION} s) | $(rate "$from_store") answers/s, client p99 $(lat99 "$from_store"); **${ratio_store}x** PostGIS's |"
  echo "| one operator publishes again: its commit (NOTIFY) until the replica answers from it | ${notified} s |"
fi

# One 100,000-box operator alone: how soon a new snapshot is answered, and its availability feed.
BIG=${FLEET_BIG_BOXES:-100000}
build/ozmap-sim --api-key bench-key-0001 --projects 4 --boxes "$BIG" --splitters-per-box 2 --ports 8 \
  --occupancy 0.5 --seed 5 >"$work/big-sim.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 1200); do grep -q listening "$work/big-sim.out" 2>/dev/null && break; sleep 0.1; done
big_url=$(sed -n 's/^listening //p' "$work/big-sim.out")
printf '[ozmap]\nurl = %s\napi_key = bench-key-0001\n[ozneutral]\nsales = file:/dev/null\n[snapshot]\npath = %s/big.db\n[reports]\ndir = %s/big-reports\n[serve]\ntokens_file = %s/tokens\nrate_limit = 1000000\n' \
  "$big_url" "$work" "$work" "$work" >"$work/big.ini"
chmod 600 "$work/big.ini"
build/oznsync pull --config "$work/big.ini" -q >/dev/null
if [ -n "${store:-}" ]; then # publish the big operator: its time and the peak memory of the process
  printf '[publish]\nurl = %s\n' "$store" >>"$work/big.ini"
  read -r big_s big_rss < <(python3 - "$work/big.ini" <<'PY'
import resource, subprocess, sys, time
t = time.time()
subprocess.run(["build/oznsync", "publish", "--config", sys.argv[1], "-q"], check=True, stdout=subprocess.DEVNULL)
print(round(time.time() - t, 2), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
PY
)
  echo "| publish of the $BIG-box operator to the shared store (\`oznsync publish\`) | ${big_s} s, peak RSS ${big_rss} MB |"
fi
build/oznsync serve --listen 127.0.0.1:0 --config "$work/big.ini" >"$work/big-serve.out" 2>"$work/big-serve.err" &
pids+=($!)
for _ in $(seq 600); do grep -q 'in memory' "$work/big-serve.err" 2>/dev/null && break; sleep 0.1; done
big=$(sed -n 's/^listening //p' "$work/big-serve.out")
feed() { curl -s -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}\n' -H "Authorization: Bearer $token" "$@" "$big/v1/availability"; }
read -r plain_first plain_total plain_bytes < <(feed)
read -r gz_first gz_total gz_bytes < <(feed -H 'Accept-Encoding: gzip')
ms() { python3 -c "print(round($1 * 1000, 1))"; }
kib() { echo $(($1 / 1024)); }
echo "| \`/v1/availability\` of $BIG boxes (one operator's serve, curl) | first byte $(ms "$plain_first") ms, all $(ms "$plain_total") ms, $(kib "$plain_bytes") KiB; gzip: first byte $(ms "$gz_first") ms, all $(ms "$gz_total") ms, $(kib "$gz_bytes") KiB |"
# A new snapshot (a pull) is current when the pull ends; from then until serve answers from it.
build/oznsync pull --config "$work/big.ini" -q >/dev/null
current=$(date +%s.%N)
until curl -s -H "Authorization: Bearer $token" "$big/healthz" | grep -q '"snapshot_in_memory":2'; do sleep 0.02; done
seen=$(python3 -c "import time; print(round(time.time() - $current, 2))")
echo "| a new snapshot of the $BIG-box operator, from the pull's end to serve answering from it | ${seen} s |"
