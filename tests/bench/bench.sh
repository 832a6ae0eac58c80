#!/usr/bin/env bash
# oznsync benchmark: measures the PRODUCT.md targets on this machine and prints a table for the README.
# Timings are measured here, never asserted in tests.
#   BENCH_BOXES      boxes of the pull network (default 100000, the spec's full scale: 1.6M ports)
#   BENCH_LATENCY_MS simulated OZmap latency for the SDK comparison and the apply (default 20)
#   BENCH_SDK_BOXES  boxes of the (smaller) network both tools pull for that comparison (default 3000)
#   BENCH_SDK=0      skip the official-SDK baseline (needs node + npm registry)
#   BENCH_PLAN=0     skip the plan benchmarks (1M ports, 500k sales: first night, then steady state);
#   BENCH_ONLY_PLAN=1 runs nothing else
#   BENCH_PLAN_RUNS  plans timed for each of those two rows, each from the same database (default 5)
#   BENCH_INCREMENTAL=0 skip the incremental run (1M ports; BENCH_ONLY_INCREMENTAL=1 runs nothing else)
#   BENCH_SERVE=0    skip `oznsync serve` under 50 clients (BENCH_ONLY_SERVE=1 runs nothing else)
set -euo pipefail
cd "$(dirname "$0")/../.."
BOXES=${BENCH_BOXES:-100000}
LATENCY=${BENCH_LATENCY_MS:-20}
work=$(mktemp -d /tmp/oznsync-bench-XXXXXX)
stop_sim() { [ -f "$work/sim.pid" ] && kill "$(cat "$work/sim.pid")" 2>/dev/null; rm -f "$work/sim.pid"; }
serve_pid=
trap 'stop_sim; [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
[ -x build/oznsync ] || jobs/build.sh

start_sim() { # args... -> prints the simulator's URL
  stop_sim
  rm -f "$work/sim.out"
  build/ozmap-sim --api-key bench-key-0001 "$@" >"$work/sim.out" 2>"$work/sim.err" &
  echo $! >"$work/sim.pid"
  for _ in $(seq 600); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  sed -n 's/^listening //p' "$work/sim.out"
}
config() { # url db
  printf '[ozmap]\nurl = %s\napi_key = bench-key-0001\n[ozneutral]\nsales = file:%s/sales.json\n[snapshot]\npath = %s\n[reports]\ndir = %s/reports\n[safety]\nmax_removals_pct = 100\n' \
    "$1" "$work" "$2" "$work" >"$work/bench.ini"
  chmod 600 "$work/bench.ini"
}
timed() { # label command... -> prints wall seconds and peak RSS
  # The feed's file read into the page cache first: a VM that reclaims idle pages would otherwise time
  # the disk (a 190 MB feed unread for a minute once took 20 s to read again).
  if [ -f "$work/sales.json" ]; then cat "$work/sales.json" >/dev/null; fi
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; return 1; }
  read -r secs kb <"$work/time"
  echo "$secs $kb"
}
rows_of() {
  sqlite3 "$1" "select (select count(*) from boxes) + (select count(*) from splitters) + (select count(*) from properties), (select count(*) from ports) from state where key='current_snapshot'"
}
echo "| measurement | result |"
echo "|---|---|"

only_other() { # the section is skipped when another one was asked for alone
  for v in BENCH_ONLY_PLAN BENCH_ONLY_INCREMENTAL BENCH_ONLY_SERVE; do
    [ "$v" != "$1" ] && [ "${!v:-0}" = 1 ] && return 0
  done
  return 1
}
if ! only_other none; then
# 1. Pull throughput on loopback, no latency.
url=$(start_sim --projects 4 --boxes "$BOXES" --splitters-per-box 2 --ports 8 --occupancy 0.5 --seed 3)
config "$url" "$work/pull.db"
build/oznsync pull --config "$work/bench.ini" -q >/dev/null # warm the simulator's page caches
read -r secs kb < <(timed build/oznsync pull --config "$work/bench.ini" -q)
IFS='|' read -r rows ports < <(rows_of "$work/pull.db")
rate() { python3 -c "print(f'{$1 / $2:,.0f}')"; }
echo "| pull, $BOXES boxes ($rows boxes+splitters+properties, $ports ports), loopback | ${secs} s: $(rate "$rows" "$secs") records/s, $(rate "$((rows + ports))" "$secs") snapshot rows/s; peak RSS $((kb / 1024)) MB |"


# 2. oznsync vs the official SDK, same network, same latency: once on a server that honours `page`, once
#    on one that only follows nextUrl's cursor (the live API as the SDK uses it). The SDK pages by
#    nextUrl either way, so it is measured once.
sdk_args=(--projects 2 --boxes "${BENCH_SDK_BOXES:-3000}" --splitters-per-box 2 --ports 8 --occupancy 0.5 --seed 4
  --latency-ms "$LATENCY")
for mode in pages cursor; do
  url=$(start_sim "${sdk_args[@]}" $([ $mode = cursor ] && echo --cursor-only))
  config "$url" "$work/sdk-$mode.db"
  # The median of three pulls (each into a fresh database): one run at this size is noisy.
  for i in 1 2 3; do
    rm -f "$work/sdk-$mode.db"*
    read -r t kb < <(timed build/oznsync pull --config "$work/bench.ini" -q)
    echo "$t"
  done | sort -n | sed -n 2p >"$work/median"
  read -r secs <"$work/median"
  IFS='|' read -r rows ports < <(rows_of "$work/sdk-$mode.db")
  ranges=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('$url/__sim/stats'))['id_range_lists'] // 3)")
  if [ $mode = pages ]; then
    secs_pages=$secs
    echo "| pull of ${BENCH_SDK_BOXES:-3000} boxes ($rows rows) with ${LATENCY} ms latency: oznsync, server honours \`page\` (4 in flight, pages of 500; median of 3) | ${secs} s |"
  else
    secs_cursor=$secs
    echo "| same, server honours only nextUrl (\`ozmap-sim --cursor-only\`): oznsync, collections side by side, $ranges \`_id\`-range lists each followed by its cursor | ${secs} s |"
  fi
done
if [ "${BENCH_SDK:-1}" = 1 ] && command -v npm >/dev/null; then
  mkdir -p "$work/sdk" && (cd "$work/sdk" && npm init -y >/dev/null && npm install --silent @ozmap/ozmap-sdk@1.1.8 >/dev/null 2>&1)
  cp tests/bench/sdk_findall.js "$work/sdk/"
  sdk=$(cd "$work/sdk" && node sdk_findall.js "$url" bench-key-0001)
  secs_sdk=$(echo "$sdk" | sed -n 's/^RESULT //p' | python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])")
  ratio() { python3 -c "print(round($secs_sdk / $1, 1))"; }
  echo "| same, official SDK 1.1.8 sequential findAll (pages of 100, nextUrl) | ${secs_sdk} s: oznsync is $(ratio "$secs_pages")x faster (\`page\`), $(ratio "$secs_cursor")x (cursor only) |"
fi


# 3. Feasibility queries on the pulled snapshot (process start-up excluded).
echo "| $(build/tests/bench/bench_feasibility "$work/pull.db" 2000 150 | sed 's/: /| /') |"

# 4. Apply: 500 creates with OZmap at 20 ms (the whole `oznsync run`: pull, plan, apply, reports).
url=$(start_sim --projects 1 --boxes 400 --splitters-per-box 2 --ports 8 --occupancy 0.5 --seed 6 --latency-ms "$LATENCY")
config "$url" "$work/apply.db"
build/oznsync pull --config "$work/bench.ini" -q >/dev/null
python3 tests/bench/sales_from_snapshot.py "$work/apply.db" 500 "$work/sales.json"
read -r secs kb < <(timed build/oznsync run --config "$work/bench.ini" -q)
phase=$(python3 -c "import json,glob,os; s=json.load(open(max(glob.glob('$work/reports/*/summary.json'), key=os.path.getmtime))); print(s['timings_s'].get('apply'))")
echo "| run, 500 creates, OZmap at ${LATENCY} ms (4 in flight, one code look-up per 100 creates) | ${secs} s whole command; apply phase ${phase} s |"

fi

# 5. Plan over 1M ports and 500k sales (first night: every sale a create), then the steady state: the
#    500k applied (loopback), 1k of them changed in OZneutral, planned again.
if [ "${BENCH_PLAN:-1}" = 1 ] && ! only_other BENCH_ONLY_PLAN; then
  url=$(start_sim --projects 4 --boxes 62500 --splitters-per-box 2 --ports 8 --occupancy 0.2 --seed 5)
  config "$url" "$work/plan.db"
  build/oznsync pull --config "$work/bench.ini" -q >/dev/null
  python3 tests/bench/sales_from_snapshot.py "$work/plan.db" 500000 "$work/sales.json"
  phases() { python3 -c "import json,glob,os; s=json.load(open(max(glob.glob('$work/reports/*/summary.json'), key=os.path.getmtime))); print(s['timings_s'])"; }
  # A plan records its run and journal: each of BENCH_PLAN_RUNS plans (default 5) starts from a copy of
  # the database as it stood before the first. The median, the fastest and the slowest, and the highest
  # peak: this VM's hours differ by a third, and one run says little.
  keep_db() { sqlite3 "$work/plan.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; cp "$work/plan.db" "$1"; }
  # The copy is written back before the plan is timed: a database at rest, as a nightly run finds it (else
  # the plan's first commit waits for the copy's gigabyte of write-back: 0.25-0.4 s of every plan here).
  restore_db() { cp "$1" "$work/plan.db" && rm -f "$work/plan.db-wal" "$work/plan.db-shm" && sync; }
  plans() { # the database to start each plan from -> "median fastest slowest peak_kb"
    local i
    for i in $(seq "${BENCH_PLAN_RUNS:-5}"); do
      restore_db "$1"
      timed build/oznsync plan --config "$work/bench.ini" -q
    done | sort -n | awk '{t[NR] = $1; if ($2 > kb) kb = $2} END {print t[int((NR + 1) / 2)], t[1], t[NR], kb}'
  }
  # What one more plan costs the machine beside its time: the 2 MiB pages the kernel gave it fresh (and
  # zeroed: on a VM whose host takes freed memory back, every one is a fault in the host too) and the
  # bytes that reached the disk (the block device's count, written back with `sync` on both sides). Other
  # processes count too: a quiet machine is assumed.
  disk_of_work() { # the /sys/class/block entry of the device holding $work, or nothing
    local dev
    dev=$(basename "$(df --output=source "$work" | tail -1)")
    if [ -r "/sys/class/block/$dev/stat" ]; then echo "/sys/class/block/$dev/stat"; fi
  }
  machine_costs() { # the database to start from -> "fresh 2 MiB pages (GB), GB written to disk"
    local stat pages0 pages1 sectors0=0 sectors1=0
    stat=$(disk_of_work)
    restore_db "$1"
    pages0=$(awk '/^thp_fault_alloc /{print $2}' /proc/vmstat)
    if [ -n "$stat" ]; then sectors0=$(awk '{print $7}' "$stat"); fi
    timed build/oznsync plan --config "$work/bench.ini" -q >/dev/null
    sync
    pages1=$(awk '/^thp_fault_alloc /{print $2}' /proc/vmstat)
    if [ -n "$stat" ]; then sectors1=$(awk '{print $7}' "$stat"); fi
    awk -v p=$((pages1 - pages0)) -v s=$((sectors1 - sectors0)) -v d="${stat:-}" 'BEGIN {
      printf "%d fresh 2 MiB pages (%.2f GB), ", p, p * 2 / 1024
      if (d == "") print "disk writes not counted (no block device stat)"; else printf "%.2f GB written to disk\n", s * 512 / 1e9 }'
  }
  keep_db "$work/pulled.db"
  read -r secs fastest slowest kb < <(plans "$work/pulled.db")
  echo "| plan: 1M ports, 500k sales, first night (whole command incl. feed parse and report), median of ${BENCH_PLAN_RUNS:-5} | ${secs} s (${fastest}–${slowest}), peak RSS $((kb / 1024)) MB; phases of the last $(phases); one more plan: $(machine_costs "$work/pulled.db") |"
  restore_db "$work/pulled.db"
  read -r secs kb < <(timed build/oznsync run --config "$work/bench.ini" -q)
  echo "| first-night run: the 500k creates applied, loopback | ${secs} s, peak RSS $((kb / 1024)) MB |"
  python3 - "$work/sales.json" <<'PY'
import json, sys
path = sys.argv[1]
sales = json.load(open(path))
changed = 0
for s in sales:  # 1k reservations activated in OZneutral: 1k promotes
    if changed < 1000 and s["state"] == "reserved":
        s.update(state="active", substate="active", version=s["version"] + 1)
        changed += 1
json.dump(sales, open(path, "w"))
PY
  keep_db "$work/applied.db"
  read -r secs fastest slowest kb < <(plans "$work/applied.db")
  echo "| plan, steady state: 500k sales in sync, 1k changed, median of ${BENCH_PLAN_RUNS:-5} | ${secs} s (${fastest}–${slowest}), peak RSS $((kb / 1024)) MB; phases of the last $(phases); one more plan: $(machine_costs "$work/applied.db") |"
fi

# 6. Incremental run on the 1M-port network: a full run records 10k sales (HTTP source) and a first
#    incremental run reads its writes back; then 10 records change in OZneutral and `run --incremental`
#    takes them over: the whole command and its HTTP requests.
if [ "${BENCH_INCREMENTAL:-1}" = 1 ] && ! only_other BENCH_ONLY_INCREMENTAL; then
  url=$(start_sim --projects 4 --boxes 62500 --splitters-per-box 2 --ports 8 --occupancy 0.2 --seed 5 --neutral-token bench-neutral-1)
  config "$url" "$work/inc.db"
  build/oznsync pull --config "$work/bench.ini" -q >/dev/null
  python3 tests/bench/sales_from_snapshot.py "$work/inc.db" 10000 "$work/sales.json"
  post_sales() { curl -sf -X POST --data-binary "@$work/sales.json" -H 'Content-Type: application/json' "$url/__sim/sales"; }
  post_sales
  sed -i "s|^sales = .*|sales = $url\ntoken = bench-neutral-1\nskew_s = 2|" "$work/bench.ini"
  # A clock overlap of 2 s (default 120) so that the writes of the full run just before are out of the
  # window, as they are for a timer that runs minutes after the nightly run.
  printf '[ozmap]\nskew_s = 2\n' >>"$work/bench.ini"
  build/oznsync run --config "$work/bench.ini" -q >/dev/null 2>"$work/last.err" || [ $? = 3 ] || { cat "$work/last.err"; exit 1; }
  # The first incremental run after a full one reads back what that run wrote (its mark is the pull's
  # start); the timer's steady state is the runs after it.
  sleep 3
  build/oznsync run --incremental --config "$work/bench.ini" -q >/dev/null 2>&1 || true
  sleep 3
  python3 - "$work/sales.json" <<'PY'
import datetime, json, sys
path = sys.argv[1]
sales = json.load(open(path))
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
for s in sales[:10]:  # 10 records changed in OZneutral just now: activations and cancellations
    state = "terminated" if s["state"] == "active" else "active"
    s.update(state=state, substate="reservationCancelled" if state == "terminated" else "active",
             version=s["version"] + 1, updatedAt=now)
json.dump(sales, open(path, "w"))
PY
  post_sales
  before=$(curl -sf "$url/__sim/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['api_requests'])")
  read -r secs kb < <(timed build/oznsync run --incremental --config "$work/bench.ini" -q)
  after=$(curl -sf "$url/__sim/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['api_requests'])")
  phases() { python3 -c "import json,glob,os; s=json.load(open(max(glob.glob('$work/reports/*/summary.json'), key=os.path.getmtime))); print(s['timings_s'], s['counts'])"; }
  echo "| run --incremental: 1M ports, 10k sales recorded, 10 changed (HTTP source) | ${secs} s whole command, $((after - before)) OZmap requests, peak RSS $((kb / 1024)) MB; $(phases) |"
fi

# 7. `oznsync serve`: feasibility under 50 concurrent clients (kept-alive connections) on the
#    100,000-box snapshot; the client-side percentiles, and the server's own from its /metrics histogram.
if [ "${BENCH_SERVE:-1}" = 1 ] && ! only_other BENCH_ONLY_SERVE; then
  if [ ! -f "$work/pull.db" ]; then
    url=$(start_sim --projects 4 --boxes "$BOXES" --splitters-per-box 2 --ports 8 --occupancy 0.5 --seed 3)
    config "$url" "$work/pull.db"
    build/oznsync pull --config "$work/bench.ini" -q >/dev/null
  fi
  stop_sim
  config http://127.0.0.1:9 "$work/pull.db"
  token=serve-bench-token-0123456789
  echo "$token" >"$work/tokens" && chmod 600 "$work/tokens"
  printf '[serve]\ntokens_file = %s\nrate_limit = 1000000\nthreads = 64\nmax_connections_per_client = 64\n' "$work/tokens" >>"$work/bench.ini"
  build/oznsync serve --listen 127.0.0.1:0 --config "$work/bench.ini" >"$work/serve.out" 2>"$work/serve.err" &
  serve_pid=$!
  for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/^listening http:\/\/127.0.0.1://p' "$work/serve.out")
  build/tests/bench/serve_load "$port" "$token" "$work/pull.db" 50 20 >/dev/null # warm the connections and the cache
  load=$(build/tests/bench/serve_load "$port" "$token" "$work/pull.db" 50 400 150)
  server=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" | python3 -c '
import re, sys
b = {m.group(1): int(m.group(2)) for m in re.finditer(r"oznsync_serve_request_duration_seconds_bucket\{(?:operator=\"[^\"]*\",)?le=\"([^\"]+)\"\} (\d+)", sys.stdin.read())}
total = b["+Inf"]
def q(p):
    for le, n in sorted(((float(k), v) for k, v in b.items() if k != "+Inf")):
        if n >= p * total: return "<= %g ms" % (le * 1000)
    return "> 1 s"
share = 100.0 * b["0.002"] / total
print("server side p50 %s, p99 %s; %.2f%% of %d answers within 2 ms" % (q(0.5), q(0.99), share, total))')
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
  echo "| $load; $server |"
fi
