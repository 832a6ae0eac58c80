#!/usr/bin/env python3
"""Soak bench: simulated days of operation on one database, to show that it lives in bounded space.

usage: tests/bench/soak.py [--days 30] [--per-day 1440] [--boxes 20000] [--sales-per-day 24]
                           [--keep-days 7] [--out soak.csv]
       SOAK_BIN=DIR: the oznsync and ozmap-sim to run (default build/; a copy keeps a rebuild out of the soak)

The run clock is OZNSYNC_FIXED_CLOCK, stepped: each simulated day has `--per-day` incremental runs spread
evenly over it (1440 = the minute timer) and a full run at 02:00; a trickle of sales arrives in OZneutral
(the simulator's feed, stamped with the simulated time): `--sales-per-day` new reservations, and as many
earlier ones activated. The retention keys (journal.keep_days, runs.keep_days, reports.keep_days) are all
`--keep-days`, so the window closes within the soak. After each day it prints the database size, the report
folders and their bytes, the rows of runs / changes / run_days, and the wall time of the runs; at the end a
table and an ASCII plot for the README. Timings are measured here, never asserted in tests.
"""
import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("SOAK_BIN", os.path.join(ROOT, "build"))  # where oznsync and ozmap-sim are
OZNSYNC = os.path.join(BIN, "oznsync")
SIM = os.path.join(BIN, "ozmap-sim")
TOKEN = "soak-neutral-token"
PARTNER = {"id": "65a000000000000000000007", "name": "FibraMais", "partnershipId": "65a00000000000000000000c"}


def start_sim(work, boxes):
    out = open(os.path.join(work, "sim.out"), "w")
    proc = subprocess.Popen([SIM, "--api-key", "soak-api-key-0001", "--projects", "4", "--boxes", str(boxes),
                             "--splitters-per-box", "2", "--ports", "8", "--occupancy", "0.6", "--seed", "7",
                             "--neutral-token", TOKEN], stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(1200):
        text = open(os.path.join(work, "sim.out")).read()
        if "listening" in text:
            return proc, text.split("listening ", 1)[1].split()[0]
        time.sleep(0.1)
    proc.kill()
    sys.exit("ozmap-sim did not start")


def free_ports(url):
    state = json.load(urllib.request.urlopen(url + "/__sim/state"))
    boxes = {b["id"]: b for b in state["boxes"]}
    free = []
    for s in state["splitters"]:
        if not s["isDrop"] or boxes[s["parent"]]["draft"]:
            continue
        for i, fiber in enumerate(s["connectables"]["output"]):
            if not fiber and not s["ports"][i]["blocked"]:
                free.append((s["project"], s["parent"], s["id"], i + 1))
    random.Random(11).shuffle(free)
    return free


def record(n, spot, when):
    return {"id": "5f%022x" % n, "version": 1, "updatedAt": when, "state": "reserved", "substate": "reserved",
            "codeOrder": "SOAK-%07d" % n, "clientName": "Cliente %d" % n, "address": "Rua Soak %d" % n,
            "partner": PARTNER,
            "ozmap": {"project": spot[0], "box": spot[1], "splitter": spot[2], "port": spot[3], "clientId": None},
            "portReplaceReason": None, "previousPort": None}


def post_feed(url, sales):
    req = urllib.request.Request(url + "/__sim/sales", data=json.dumps(sales).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def du(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def sqlite_count(db, table):
    out = subprocess.run(["sqlite3", db, f"SELECT count(*) FROM {table}"], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def run(args, clock):
    env = dict(os.environ, OZNSYNC_FIXED_CLOCK=clock)
    t0 = time.monotonic()
    p = subprocess.run([OZNSYNC] + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.monotonic() - t0
    if p.returncode not in (0, 3):
        sys.exit(f"oznsync {' '.join(args)} at {clock} exited {p.returncode}:\n{p.stderr}")
    return took


def plot(rows, key, label, unit, width=50):
    top = max(r[key] for r in rows) or 1
    lines = [f"{label} ({unit}, one bar per day; max {top:,.1f})"]
    for r in rows:
        lines.append(f"day {r['day']:3} {'#' * max(1, round(width * r[key] / top)):<{width}} {r[key]:,.1f}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--per-day", type=int, default=1440, help="incremental runs a day (1440: every minute)")
    ap.add_argument("--boxes", type=int, default=20000)
    ap.add_argument("--sales-per-day", type=int, default=24)
    ap.add_argument("--keep-days", type=int, default=7)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="oznsync-soak-")
    sim, url = start_sim(work, a.boxes)
    try:
        db = os.path.join(work, "oznsync.db")
        reports = os.path.join(work, "reports")
        cfg = os.path.join(work, "soak.ini")
        with open(cfg, "w") as f:
            f.write(f"[ozmap]\nurl = {url}\napi_key = soak-api-key-0001\nprojects = *\n"
                    f"[ozneutral]\nsales = {url}\ntoken = {TOKEN}\n"
                    f"[snapshot]\npath = {db}\n[reports]\ndir = {reports}\nkeep_days = {a.keep_days}\n"
                    f"[journal]\nkeep_days = {a.keep_days}\n[runs]\nkeep_days = {a.keep_days}\n"
                    "[safety]\nmax_removals_pct = 100\n")
        os.chmod(cfg, 0o600)
        free = free_ports(url)
        start = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
        sales, sold = [], 0
        for _ in range(2000):  # the feed on day 0
            sold += 1
            sales.append(record(sold, free[sold], iso(start)))
        post_feed(url, sales)
        run(["run", "--config", cfg, "-q"], iso(start - dt.timedelta(hours=1)))  # the night it was installed
        step = dt.timedelta(minutes=1440 / a.per_day)
        every = max(1, a.per_day // max(1, a.sales_per_day))
        rows = []
        print("day,db_mb,report_folders,reports_mb,runs_rows,changes_rows,run_days_rows,"
              "incremental_median_s,incremental_max_s,full_s", flush=True)
        for day in range(a.days):
            inc_times, full_s = [], 0.0
            midnight = start + dt.timedelta(days=day)
            full_at = midnight + dt.timedelta(hours=2)
            full_done = False
            for i in range(a.per_day):
                t = midnight + i * step
                if not full_done and t >= full_at:
                    full_s = run(["run", "--config", cfg, "-q"], iso(full_at))
                    full_done = True
                if i % every == 0:  # the trickle: a new reservation, an earlier one activated
                    sold += 1
                    sales.append(record(sold, free[sold], iso(t)))
                    old = sales[random.Random(sold).randrange(len(sales) - 1)]
                    if old["state"] == "reserved":
                        old.update(state="active", substate="active", version=old["version"] + 1, updatedAt=iso(t))
                    post_feed(url, sales)
                inc_times.append(run(["run", "--incremental", "--config", cfg, "-q"], iso(t + dt.timedelta(seconds=30))))
            if not full_done:
                full_s = run(["run", "--config", cfg, "-q"], iso(full_at))
            db_bytes = sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
            folders = sum(1 for e in os.scandir(reports) if os.path.exists(os.path.join(e.path, "summary.json")))
            r = {"day": day + 1, "db_mb": db_bytes / 2**20, "report_folders": folders,
                 "reports_mb": du(reports) / 2**20, "runs_rows": sqlite_count(db, "runs"),
                 "changes_rows": sqlite_count(db, "changes"), "run_days_rows": sqlite_count(db, "run_days"),
                 "incremental_median_s": statistics.median(inc_times), "incremental_max_s": max(inc_times),
                 "full_s": full_s}
            rows.append(r)
            print(",".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in r.values()), flush=True)
        if a.out:
            with open(a.out, "w") as f:
                f.write(",".join(rows[0].keys()) + "\n")
                for r in rows:
                    f.write(",".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()) + "\n")
        print()
        print(f"{a.days} simulated days, {a.per_day} incremental runs and 1 full run a day, {a.boxes} boxes, "
              f"{a.sales_per_day} new sales a day, every keep_days = {a.keep_days}")
        for key, label, unit in (("db_mb", "database", "MB"), ("report_folders", "report folders", "count"),
                                 ("reports_mb", "report folders", "MB"),
                                 ("incremental_median_s", "incremental run, median", "s"),
                                 ("full_s", "full run", "s")):
            print()
            print(plot(rows, key, label, unit))
    finally:
        sim.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
