#!/usr/bin/python3
"""Plots a hipquant-bench JSON file and prints its numbers as markdown tables.

Usage: scripts/plot_bench.py [JSON ...] [--results DIR] [--out-dir DIR]
                             [--table] [--no-plot] [--path PATH]

Without JSON files it takes the newest run per device in bench/results/
(by the UTC stamp that bench/run_device.sh puts in the file name; the
archive/ folder is not searched). For each run it writes
OUT_DIR/perf_<device>.png (default docs/):
  left:  mat-vec rows, the product's read rate as a fraction of the read
         bandwidth the same run measured, per format and batch;
  right: mat-mat rows, TFLOP/s of the whole op (activation quantization
         included) as a fraction of the dense f16 GEMM of the vendor BLAS in
         the same run, per format and batch; an outline marks the product
         alone where the run timed it alone (kernel_timing "kernel").
--table prints the same numbers as markdown (docs/performance.md is made
from it). Needs Debian's python3-matplotlib for the plot (not for --table).
"""

import argparse
import glob
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAMP = re.compile(r"_(\d{8}T\d{6}Z)\.json$")


def slug(name):
    """The device name as bench/run_device.sh writes it into file names."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "gpu"


def stamp(path):
    m = STAMP.search(os.path.basename(path))
    return m.group(1) if m else None


def load(path):
    with open(path) as f:
        run = json.load(f)
    for key in ("device", "read_bw_gbps", "mat_vec"):
        if key not in run:
            raise ValueError(f"{path}: no '{key}': not a hipquant-bench --json file")
    run.setdefault("mat_mat", [])  # runs before 2026-11-25T16 had no mat-mat section
    run["_path"] = path
    run["_stamp"] = stamp(path)
    return run


def newest_per_device(results_dir):
    """The newest hipquant-bench run of each device in results_dir."""
    newest = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "hipquant-bench_*.json"))):
        run = load(path)
        key = run["device"]
        order = (run["_stamp"] or "", os.path.getmtime(path))
        if key not in newest or order > newest[key][0]:
            newest[key] = (order, run)
    return [run for _, run in sorted(newest.values(), key=lambda v: v[1]["device"])]


def rows_of(run, section, path):
    return [r for r in run[section] if r["path"] == path]


def formats(rows):
    """Formats in the order the run measured them."""
    seen = []
    for r in rows:
        if r["type"] not in seen:
            seen.append(r["type"])
    return seen


def batches(rows):
    return sorted({r["batch"] for r in rows})


def cell(rows, fmt, batch):
    for r in rows:
        if r["type"] == fmt and r["batch"] == batch:
            return r
    return None


def dense_tflops(run):
    base = run.get("dense_f16_baseline") or {}
    if not base.get("available"):
        return {}
    return {c["batch"]: c["tflops"] for c in base.get("cases", [])}


def product_fraction(r):
    """Mat-mat: the product alone as a fraction of the dense GEMM, or None."""
    if r.get("kernel_timing") != "kernel" or not r.get("fraction_of_dense_f16"):
        return None
    return r["fraction_of_dense_f16"] * r["op_us"] / r["kernel_us"]


def title(run):
    shapes = sorted({(r["rows"], r["cols"]) for r in run["mat_vec"] + run["mat_mat"]})
    shape = ", ".join(f"{a} x {b}" for a, b in shapes)
    when = f", run {run['_stamp']}" if run["_stamp"] else ""
    return f"{run['device']} ({run.get('arch', '?')}), weights {shape}{when}"


def pct(x):
    return "-" if x is None else f"{100.0 * x:.1f}"


def us(x):
    return "-" if x is None else f"{x:.1f}"


def markdown(run, path):
    out = [f"**{title(run)}**", ""]
    dense = dense_tflops(run)
    line = f"Read bandwidth {run['read_bw_gbps']:.0f} GB/s (streaming-read kernel)"
    if dense:
        lib = run["dense_f16_baseline"].get("library", "vendor BLAS")
        line += f"; dense f16 GEMM, {lib}: " + ", ".join(
            f"batch {b} {t:.1f} TFLOP/s" for b, t in sorted(dense.items()))
    elif (run.get("dense_f16_baseline") or {}).get("unavailable_reason"):
        line += f"; dense f16 baseline unavailable ({run['dense_f16_baseline']['unavailable_reason']})"
    elif run["mat_mat"]:
        line += "; no dense f16 baseline in this run"
    out += [line + ".", ""]

    mv = rows_of(run, "mat_vec", path)
    if mv:
        bs = batches(mv)
        out.append("| type | weights MB | b1 product us | b1 op us | "
                   + " | ".join(f"b{b} % read BW" for b in bs) + " |")
        out.append("|---" * (4 + len(bs)) + "|")
        for f in formats(mv):
            first = cell(mv, f, bs[0])
            out.append(f"| {f} | {first['weight_bytes'] / 1e6:.1f} | {us(first['kernel_us'])} | "
                       f"{us(first['op_us'])} | "
                       + " | ".join(pct((cell(mv, f, b) or {}).get("fraction_of_read_bw")) for b in bs) + " |")
        out.append("")

    mm = rows_of(run, "mat_mat", path)
    if mm:
        bs = batches(mm)
        alone = any(r.get("kernel_timing") == "kernel" for r in mm)
        head = ["type"]
        for b in bs:
            head += [f"b{b} op us", f"b{b} % dense"]
            if alone:
                head += [f"b{b} product us"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---" * len(head) + "|")
        for f in formats(mm):
            row = [f]
            for b in bs:
                r = cell(mm, f, b) or {}
                row += [us(r.get("op_us")), pct(r.get("fraction_of_dense_f16"))]
                if alone:
                    row += [us(r.get("kernel_us")) if r.get("kernel_timing") == "kernel" else "-"]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return "\n".join(out)


def plot(run, path, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mv = rows_of(run, "mat_vec", path)
    mm = rows_of(run, "mat_mat", path)
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.6))
    colors = plt.get_cmap("tab10").colors

    def bars(ax, rows, value, outline=None):
        fmts, bs = formats(rows), batches(rows)
        width = 0.8 / max(len(bs), 1)
        for i, b in enumerate(bs):
            xs = [k + (i - (len(bs) - 1) / 2) * width for k in range(len(fmts))]
            if outline:
                tops = [outline(cell(rows, f, b)) if cell(rows, f, b) else None for f in fmts]
                if any(t is not None for t in tops):
                    ax.bar([x for x, t in zip(xs, tops) if t is not None],
                           [100 * t for t in tops if t is not None], width, fill=False,
                           edgecolor=colors[i], linewidth=1.2, label=f"batch {b}, product alone")
            vals = [value(cell(rows, f, b)) if cell(rows, f, b) else None for f in fmts]
            ax.bar([x for x, v in zip(xs, vals) if v is not None],
                   [100 * v for v in vals if v is not None], width, color=colors[i],
                   label=f"batch {b}" + (", whole op" if outline else ""))
        ax.set_xticks(range(len(fmts)))
        ax.set_xticklabels(fmts)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)

    ax = axes[0]
    if mv:
        bars(ax, mv, lambda r: r["fraction_of_read_bw"])
        ax.set_ylim(0, 100)
        ax.legend(loc="upper right", fontsize=9, ncol=2)
    ax.set_ylabel("% of measured read bandwidth")
    ax.set_title(f"Mat-vec: product's read rate / read bandwidth ({run['read_bw_gbps']:.0f} GB/s)",
                 fontsize=11)

    ax = axes[1]
    dense = dense_tflops(run)
    if mm and dense:
        bars(ax, mm, lambda r: r["fraction_of_dense_f16"], outline=product_fraction)
        top = max(100 * (product_fraction(r) or r["fraction_of_dense_f16"] or 0) for r in mm)
        ax.set_ylim(0, max(100.0, top * 1.2))  # one scale across runs and devices
        ax.legend(loc="upper right", fontsize=9, ncol=2)
        base = ", ".join(f"b{b}: {t:.0f}" for b, t in sorted(dense.items()))
        ax.set_title(f"Mat-mat: TFLOP/s / dense f16 GEMM ({base} TFLOP/s)", fontsize=11)
    else:
        ax.set_title("Mat-mat: no dense f16 baseline in this run", fontsize=11)
    ax.set_ylabel("% of dense f16 GEMM TFLOP/s")

    fig.suptitle(title(run), fontsize=12)
    fig.tight_layout()
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"perf_{slug(run['device'])}.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", nargs="*", help="hipquant-bench --json files (default: newest per device)")
    ap.add_argument("--results", default=os.path.join(REPO, "bench", "results"),
                    help="where to look for runs without JSON arguments (default bench/results)")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "docs"), help="where the PNGs go (default docs)")
    ap.add_argument("--table", action="store_true", help="print the numbers as markdown tables")
    ap.add_argument("--no-plot", action="store_true", help="write no PNG")
    ap.add_argument("--path", default="q8_1", help="rows of this path only (default q8_1)")
    args = ap.parse_args(argv)

    try:
        runs = [load(p) for p in args.json] if args.json else newest_per_device(args.results)
    except (OSError, ValueError) as e:
        print(f"plot_bench.py: {e}", file=sys.stderr)
        return 1
    if not runs:
        print(f"plot_bench.py: no hipquant-bench_*.json in {args.results}", file=sys.stderr)
        return 1
    for run in runs:
        if args.table:
            print(markdown(run, args.path))
        if not args.no_plot:
            print(f"plot_bench.py: wrote {plot(run, args.path, args.out_dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
