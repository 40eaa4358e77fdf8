#!/usr/bin/env bash
# Builds hipquant and runs every test with ctest. GPU tests skip, with the
# reason, on a machine without a GPU. Extra CMake arguments pass through,
# e.g. scripts/test.sh -DHIPQUANT_PLATFORM=nvidia.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

scripts/install-deps.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$BUILD_DIR"
ctest --test-dir "$BUILD_DIR" --output-on-failure
