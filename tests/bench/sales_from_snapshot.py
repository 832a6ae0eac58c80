#!/usr/bin/env python3
"""Sale records for N free, sellable ports of a snapshot (benchmark input). usage: DB N OUT"""
import json
import sqlite3
import sys

db, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db)
snap = con.execute("select value from state where key='current_snapshot'").fetchone()[0]
rows = con.execute(
    "select s.project, s.box, p.splitter, p.number from ports p join splitters s on s.snapshot_id=p.snapshot_id "
    "and s.id=p.splitter join boxes b on b.snapshot_id=s.snapshot_id and b.id=s.box where p.snapshot_id=? and "
    "p.fiber is null and p.blocked=0 and b.draft=0 limit ?", (snap, n))
with open(out, "w") as f:
    f.write("[")
    for i, (project, box, splitter, port) in enumerate(rows, start=1):
        rec = {"id": "5f%022x" % i, "version": 1, "state": "active" if i % 3 == 0 else "reserved",
               "substate": "active" if i % 3 == 0 else "reserved", "codeOrder": "BENCH-%07d" % i,
               "clientName": "Bench %d" % i, "address": "Rua %d" % i,
               "partner": {"id": "65a000000000000000000007", "name": "FibraMais"},
               "ozmap": {"project": project, "box": box, "splitter": splitter, "port": port}}
        f.write(("," if i > 1 else "") + json.dumps(rec))
    f.write("]")
