#!/usr/bin/env bash
# README set-up command (1): install what is missing, build, start ozmap-sim with a generated network
# (20k boxes, 2 drop splitters x 8 ports, 60% occupied) and run oznsync against it. Leaves demo/ behind
# with the config, the snapshot database and the reports.
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
[snapshot]
path = demo/oznsync.db
[reports]
dir = demo/reports
INI
printf 'demo-api-key-0001\n' >demo/api_key
echo "== oznsync check"
build/oznsync check --config demo/oznsync.ini
echo "== oznsync pull"
build/oznsync pull --config demo/oznsync.ini
echo "== snapshot vs simulator"
curl -s "$url/__sim/state" -o demo/state.json
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
