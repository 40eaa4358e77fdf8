#!/usr/bin/env bash
# On the lent NVIDIA machine: compute-sanitizer's memcheck, racecheck,
# initcheck and synccheck over the GPU test suite and `hipquant selftest` of
# a carried NVIDIA build. Prints each tool's summary line; logs land in
# OUT_DIR. GTEST_FILTER narrows the suite; TARGETS ("tests selftest" by
# default) picks what runs; LIMIT_S (default 600) bounds each run. API calls
# that return an error are not counted: the tests provoke them on purpose
# (allocation failure, absent symbols) and check that hipquant reports them.
#
# Usage: scripts/sanitize.sh BUILD_DIR OUT_DIR [tool...]
# Exit status: 1 if any tool reported an error, else 0.
set -uo pipefail
if [[ $# -lt 2 ]]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
build=$1 out=$2
shift 2
tools=("$@")
[[ ${#tools[@]} -eq 0 ]] && tools=(memcheck racecheck initcheck synccheck)
cs=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
mkdir -p "$out"
filter=${GTEST_FILTER:-*}
status=0
for tool in "${tools[@]}"; do
    for target in ${TARGETS:-tests selftest}; do
        log="$out/sanitize_${tool}_${target}.txt"
        if [[ $target == tests ]]; then
            timeout "${LIMIT_S:-600}" "$cs" --tool "$tool" --report-api-errors no --error-exitcode 99 "$build/tests/hipquant_tests" --gtest_brief=1 \
                --gtest_filter="$filter" > "$log" 2>&1
        else
            timeout "${LIMIT_S:-600}" "$cs" --tool "$tool" --report-api-errors no --error-exitcode 99 "$build/tools/hipquant" selftest \
                > "$log" 2>&1
        fi
        rc=$?
        summary=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$log" | tail -n 1)
        echo "$tool $target: rc=$rc ${summary:-no summary (see $log)}"
        [[ $rc -eq 0 ]] || status=1
    done
done
exit $status
