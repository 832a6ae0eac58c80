#!/usr/bin/env python3
"""Makes an OZneutral sale feed and partnerships for a simulated network (the demo's inputs).

usage: demo_feed.py STATE_JSON SALES_OUT PARTNERSHIPS_OUT [N_SALES]
Sells N free ports of sellable boxes (60% reserved, 40% active) to two partners, plus a few records that
must end up as conflicts (a blocked port, an occupied port) and one invalid record.
"""
import json
import random
import sys

state = json.load(open(sys.argv[1]))
n_sales = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
rng = random.Random(7)
boxes = {b["id"]: b for b in state["boxes"]}
projects = [p["id"] for p in state["projects"]]
partners = [("65a000000000000000000007", "FibraMais", "65a00000000000000000000c"),
            ("65a000000000000000000017", "NetSul", "65a00000000000000000001c")]

free, blocked, taken = [], [], []
for s in state["splitters"]:
    if not s["isDrop"] or boxes[s["parent"]]["draft"]:
        continue
    for i, fiber in enumerate(s["connectables"]["output"]):
        spot = (s["project"], s["parent"], s["id"], i + 1)
        if s["ports"][i]["blocked"]:
            blocked.append(spot)
        elif fiber:
            taken.append(spot)
        else:
            free.append(spot)
rng.shuffle(free)

def record(n, spot, state_, substate):
    partner = partners[n % len(partners)]
    return {"id": "5e%022x" % n, "version": 1, "updatedAt": "2026-11-25T12:00:00Z", "state": state_,
            "substate": substate, "codeOrder": "ORD-2026-%06d" % n, "clientName": "Cliente %d" % n,
            "address": "Rua Demo %d, Florianopolis SC" % n,
            "partner": {"id": partner[0], "name": partner[1], "partnershipId": partner[2]},
            "ozmap": {"project": spot[0], "box": spot[1], "splitter": spot[2], "port": spot[3], "clientId": None},
            "portReplaceReason": None, "previousPort": None}

sales = []
for n, spot in enumerate(free[:n_sales], start=1):
    sales.append(record(n, spot, "active", "active") if n % 5 < 2 else record(n, spot, "reserved", "reserved"))
n = len(sales)
for spot in blocked[:2] + taken[:2]:
    n += 1
    sales.append(record(n, spot, "reserved", "reserved"))
bad = record(n + 1, free[-1], "active", "reserved")  # not a valid state/substate pair
sales.append(bad)
json.dump(sales, open(sys.argv[2], "w"), indent=1)

partnerships = [{"id": p[2], "status": "accepted", "approvedAt": "2026-02-01T12:00:00Z",
                 "partner": {"id": p[0], "name": p[1], "email": "noc@%s.example" % p[1].lower()},
                 "projects": projects} for p in partners]
json.dump(partnerships, open(sys.argv[3], "w"), indent=1)
print("feed: %d sale records, %d partnerships" % (len(sales), len(partnerships)))
