#!/usr/bin/env bash
# README set-up command (1): install what is missing, build, start ozmap-sim with a generated network
# (20k boxes, 2 drop splitters x 8 ports, 60% occupied) and an OZneutral feed for it, then do what the
# nightly job does: check, a dry run, the real run, a second run that finds nothing to do, and the
# feasibility and availability answers. Leaves demo/ behind: config, snapshot database, reports.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs/install-deps.sh
jobs/build.sh
mkdir -p demo
rm -f demo/oznsync.db demo/oznsync.db-*
build/ozmap-sim --api-key demo-api-key-0001 --projects 4 --boxes 20000 --splitters-per-box 2 --ports 8 \
  --occupancy 0.6 --seed 7 >demo/sim.out 2>demo/sim.err &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening demo/sim.out 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening //p' demo/sim.out)
umask 077
cat >demo/oznsync.ini <<INI
[ozmap]
url = $url
api_key_file = demo/api_key
projects = *
[ozneutral]
sales = file:demo/sales.json
partnerships = file:demo/partnerships.json
[snapshot]
path = demo/oznsync.db
[reports]
dir = demo/reports
[partners]
role = Partner
INI
printf 'demo-api-key-0001\n' >demo/api_key
# The sale feed and partnerships OZneutral would publish for this network (check reads them too).
curl -s "$url/__sim/state" -o demo/state.json
jobs/demo_feed.py demo/state.json demo/sales.json demo/partnerships.json 2000
echo "== oznsync check"
build/oznsync check --config demo/oznsync.ini
echo "== oznsync pull"
build/oznsync pull --config demo/oznsync.ini
echo "== snapshot vs simulator"
python3 - <<'PY'
import json, sqlite3
s = json.load(open("demo/state.json"))
db = sqlite3.connect("demo/oznsync.db")
snap = db.execute("select value from state where key='current_snapshot'").fetchone()[0]
drop = [x for x in s["splitters"] if x["isDrop"]]
want = {"boxes": len(s["boxes"]), "splitters": len(drop),
        "ports": sum(len(x["connectables"]["output"]) for x in drop),
        "occupied": sum(1 for x in drop for f in x["connectables"]["output"] if f),
        "properties": len(s["properties"])}
got = {"boxes": db.execute("select count(*) from boxes where snapshot_id=?", (snap,)).fetchone()[0],
       "splitters": db.execute("select count(*) from splitters where snapshot_id=?", (snap,)).fetchone()[0],
       "ports": db.execute("select count(*) from ports where snapshot_id=?", (snap,)).fetchone()[0],
       "occupied": db.execute("select count(*) from ports where snapshot_id=? and fiber is not null", (snap,)).fetchone()[0],
       "properties": db.execute("select count(*) from properties where snapshot_id=?", (snap,)).fetchone()[0]}
for k in want:
    print(f"{k:11} simulator {want[k]:8}  snapshot {got[k]:8}  {'ok' if want[k] == got[k] else 'MISMATCH'}")
raise SystemExit(0 if want == got else 1)
PY
echo "== oznsync run --dry-run (pull -> plan -> report; nothing written to OZmap)"
build/oznsync run --config demo/oznsync.ini --dry-run || true
echo "== oznsync run (pull -> plan -> apply -> partners -> report); exit 3 = some sales conflicted, as planted"
build/oznsync run --config demo/oznsync.ini || [ $? -eq 3 ]
echo "== oznsync run again: nothing left to change"
build/oznsync run --config demo/oznsync.ini -q || [ $? -eq 3 ]
echo "== oznsync feasibility near the first project"
lat=$(python3 -c "import json; b=json.load(open('demo/state.json'))['boxes'][0]; print(b['coords'][1])")
lng=$(python3 -c "import json; b=json.load(open('demo/state.json'))['boxes'][0]; print(b['coords'][0])")
build/oznsync feasibility --config demo/oznsync.ini --lat "$lat" --lng "$lng" --radius 300 --limit 5
echo "== oznsync availability -> demo/availability.geojson"
build/oznsync availability --config demo/oznsync.ini --format geojson --out demo/availability.geojson
echo "== oznsync runs"
build/oznsync runs --config demo/oznsync.ini
echo "Open the newest report: $(ls -td demo/reports/*/ | head -1)report.html"
