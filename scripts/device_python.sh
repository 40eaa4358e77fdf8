#!/usr/bin/env bash
# On the lent GPU machine: builds the Python module for that machine's
# python3 (pybind11 from pip there) and runs python/tests with PyTorch.
# Usage: scripts/device_python.sh BUILD_DIR [pytest args...]
set -euo pipefail
build=$1
shift
cmake -S "$(dirname "$0")/.." -B "$build" -G Ninja -DHIPQUANT_PLATFORM=nvidia -DHIPQUANT_GPU_TARGETS=90a \
    -DHIPQUANT_BUILD_TESTS=OFF -DHIPQUANT_BUILD_TOOLS=OFF -DHIPQUANT_BUILD_EXAMPLES=OFF \
    -DPython_EXECUTABLE="$(command -v python3)" > "$build.configure.log" 2>&1 || { tail -n 30 "$build.configure.log"; exit 1; }
cmake --build "$build" --target hipquant_python -j "$(nproc)" > "$build.build.log" 2>&1 || { tail -n 30 "$build.build.log"; exit 1; }
PYTHONPATH="$build/python" HIPQUANT_TEST_DATA_DIR="$(dirname "$0")/../tests/data" \
    python3 -m pytest -q -rs -p no:cacheprovider "$(dirname "$0")/../python/tests" "$@"
