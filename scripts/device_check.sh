#!/usr/bin/env bash
# On the lent GPU machine: the GPU tests, the selftest and the benchmark of
# a carried NVIDIA build, and with a second hipquant-bench binary the same
# benchmark of both, alternating (base, new, base, new), for a same-run
# comparison. Logs and results land in OUT_DIR.
#
# Usage: scripts/device_check.sh BUILD_DIR OUT_DIR [BASE_BENCH] [hipquant-bench options...]
#   BUILD_DIR   an NVIDIA build (cmake -DHIPQUANT_PLATFORM=nvidia), carried
#   BASE_BENCH  a hipquant-bench binary of the build to compare with, or "-"
# Exit status: 1 if the tests or the selftest failed, else 0.
set -uo pipefail
if [[ $# -lt 2 ]]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
build=$1 out=$2 base=${3:--}
shift $(($# < 3 ? $# : 3))
mkdir -p "$out"
status=0

nvidia-smi -L || true
"$build/tests/hipquant_tests" --gtest_brief=1 2>&1 | tee "$out/gpu_tests.txt" | tail -n 25
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
"$build/tools/hipquant" selftest 2>&1 | tee "$out/selftest.txt" | tail -n 5
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

if [[ -x "$build/bench/hipquant-host-bench" ]]; then
    "$build/bench/hipquant-host-bench" 2>&1 | tee "$out/host_bench.txt"
fi

bench() {  # bench LABEL BINARY
    "$2" --json "$out/bench_$1.json" "${@:3}" > "$out/bench_$1.txt" 2>&1 || echo "bench $1 failed: $?"
}
if [[ "$base" != - ]]; then
    for ((i = 1; i <= ${PAIRS:-2}; ++i)); do  # PAIRS: base/new rounds (default 2)
        bench "base$i" "$base" "$@"
        bench "new$i" "$build/bench/hipquant-bench" "$@"
    done
else
    bench new1 "$build/bench/hipquant-bench" "$@"
fi
exit $status
