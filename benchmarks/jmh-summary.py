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
        if params.get("clock", "system") != "system":
            label += " (clock " + params["clock"] + ")"
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
    # peak-ewma against p2c, the ratio issue 10's target is stated in
    for cls, method, p2c, ewma in (("ChooseBenchmark", "choose1", "livery-p2c", "livery-peak-ewma"),
                                   ("CorePickBenchmark", "pickSuccess1", "P2C", "PEAK_EWMA"),
                                   ("CorePickBenchmark", "pickSuccess1", "P2C (clock frozen)",
                                    "PEAK_EWMA (clock frozen)")):
        a, b = rows.get((cls, method, p2c)), rows.get((cls, method, ewma))
        if a and b:
            print("%s.%s: %s / %s (median / min): %.2f / %.2f" % (cls, method, ewma, p2c, b[0] / a[0], b[1] / a[1]))


if __name__ == "__main__":
    main(sys.argv[1])
