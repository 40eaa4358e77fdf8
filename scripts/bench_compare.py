#!/usr/bin/python3
"""Compares hipquant-bench JSON runs of two builds made in one device session.

Usage: scripts/bench_compare.py BASE.json [BASE2.json ...] -- NEW.json [NEW2.json ...]

For each (type, shape, batch, path) it prints the op time of each build (the
median over the runs given: alternate base and new runs, so that drift
shows) and new / base. Rows where the runs of one build disagree by more
than the difference between builds are marked '~' (noise).
"""
import json
import statistics
import sys


def rows(paths):
    out = {}
    for p in paths:
        with open(p) as f:
            d = json.load(f)
        for r in d.get("mat_vec", []) + d.get("mat_mat", []) + d.get("experts", []):
            key = (r["type"], r["rows"], r["cols"], r["batch"], r["path"])
            out.setdefault(key, []).append(r["op_us"])
    return out


def main(argv):
    if "--" not in argv:
        print(__doc__)
        return 2
    i = argv.index("--")
    base, new = rows(argv[:i]), rows(argv[i + 1:])
    print(f"{'type':6} {'shape':>11} {'batch':>5} {'path':>11} {'base us':>9} {'new us':>9} {'new/base':>8}")
    ratios = []
    for key in sorted(base, key=lambda k: (k[1], k[2], k[0], k[4], k[3])):
        if key not in new:
            continue
        b, n = base[key], new[key]
        mb, mn = statistics.median(b), statistics.median(n)
        ratio = mn / mb
        ratios.append(ratio)
        spread = max(max(b) - min(b), max(n) - min(n))
        mark = "~" if spread >= abs(mn - mb) else ""
        t, r, c, batch, path = key
        print(f"{t:6} {r:>5}x{c:<5} {batch:>5} {path:>11} {mb:9.2f} {mn:9.2f} {ratio:8.3f}{mark}")
    if ratios:
        print(f"geometric mean new/base over {len(ratios)} cases: "
              f"{statistics.geometric_mean(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
