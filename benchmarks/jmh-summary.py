#!/usr/bin/env python3
"""Summarise a JMH JSON result (-rf json) for a shared, noisy machine: per benchmark the median and the minimum of
all measurement iterations (noise only ever adds time, so the minimum is the best estimate of intrinsic cost), the
allocation per operation, and the ratios the targets are stated in.

usage: python3 benchmarks/jmh-summary.py jmh-result.json
"""
import json
import statistics
import sys


def main(path):
    rows = {}
    for b in json.load(open(path)):
        name = b["benchmark"].rsplit(".", 2)
        params = b.get("params", {})
        label = params.get("balancer") or params.get("policy") or "-"
        key = (name[-2], name[-1], label)
        raw = [v for fork in b["primaryMetric"]["rawData"] for v in fork]
        alloc = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows[key] = (statistics.median(raw), min(raw), alloc, b["threads"])
    print("| benchmark | variant | threads | median ns/op | min ns/op | B/op |")
    print("|---|---|---:|---:|---:|---:|")
    for (cls, method, label), (median, low, alloc, threads) in rows.items():
        a = "" if alloc is None else "%.0f" % alloc
        print("| %s.%s | %s | %d | %.1f | %.1f | %s |" % (cls, method, label, threads, median, low, a))
    print()
    for method in ("choose1", "choose2"):
        base = rows.get(("ChooseBenchmark", method, "sc-round-robin"))
        if not base:
            continue
        print("%s, ratio to Spring Cloud round robin (median / min):" % method)
        for (cls, m, label), (median, low, _, _) in rows.items():
            if cls == "ChooseBenchmark" and m == method:
                print("  %-24s %.2f / %.2f" % (label, median / base[0], low / base[1]))
    print()


if __name__ == "__main__":
    main(sys.argv[1])
