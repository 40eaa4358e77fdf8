#!/usr/bin/env bash
# Runs hipquant-bench (defaults unless options are given) on the GPU machine
# and keeps the printed table, the JSON and the CSV under OUT_DIR/bench/results/.
#
# Usage: bench/run_device.sh OUT_DIR [hipquant-bench options...]
#   The binary is $HIPQUANT_BENCH, else the first of build-bench/, build-nv/,
#   build/ (bench/hipquant-bench) that exists. Build it here with
#   -DHIPQUANT_PLATFORM=nvidia and carry the build folder.
#   The mat-mat rows' dense f16 baseline loads cuBLAS / hipBLAS from that
#   machine (library search path, LD_LIBRARY_PATH); without it the run says
#   "dense f16 baseline: unavailable (...)" and leaves those columns empty.
# Exit status: that of hipquant-bench (3: no GPU found), 2 for bad usage here.
set -uo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
out_dir=$1
shift

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${HIPQUANT_BENCH:-}
if [[ -z "$bin" ]]; then
    for candidate in build-bench build-nv build; do
        if [[ -x "$repo/$candidate/bench/hipquant-bench" ]]; then
            bin="$repo/$candidate/bench/hipquant-bench"
            break
        fi
    done
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "run_device.sh: no hipquant-bench binary (set HIPQUANT_BENCH or build build-bench/bench/hipquant-bench)" >&2
    exit 2
fi

results="$out_dir/bench/results"
mkdir -p "$results"
# Name: GPU model (when nvidia-smi / rocm-smi can tell) and UTC time, so runs
# from different machines and days sit side by side.
gpu=""
if command -v nvidia-smi >/dev/null 2>&1; then
    gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1)
fi
slug=$(printf '%s' "${gpu:-gpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/^-*//; s/-*$//')
name="hipquant-bench_${slug:-gpu}_$(date -u +%Y%m%dT%H%M%SZ)"

{
    echo "# $bin --json $name.json --csv $name.csv $*"
    echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname)"
} >"$results/$name.txt"
# The table (stdout) and the skip / error notes (stderr) both go to the .txt.
"$bin" --json "$results/$name.json" --csv "$results/$name.csv" "$@" 2>&1 | tee -a "$results/$name.txt"
rc=${PIPESTATUS[0]}
echo "run_device.sh: hipquant-bench exited with $rc; results in $results/$name.{txt,json,csv}" >&2
exit "$rc"
