#!/usr/bin/env python3
"""Reads Prometheus textfiles as node_exporter's textfile collector puts them together, with the
prometheus_client text parser: fails (exit 1, naming it) on a series that two files (or one) carry twice,
or a family whose type differs between files. Prints "N files, M series" when they merge cleanly.

usage: metrics_union.py FILE...
"""
import sys

from prometheus_client.parser import text_string_to_metric_families

seen, types = {}, {}
for path in sys.argv[1:]:
    for family in text_string_to_metric_families(open(path).read()):
        if types.setdefault(family.name, family.type) != family.type:
            sys.exit(f"{path}: {family.name} is a {family.type}, elsewhere a {types[family.name]}")
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in seen:
                sys.exit(f"duplicate series {s.name}{dict(s.labels)} in {seen[key]} and {path}")
            seen[key] = path
print(f"{len(sys.argv) - 1} files, {len(seen)} series")
