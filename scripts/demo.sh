#!/usr/bin/env bash
# Fresh Debian 12 to a running demo: installs the packages, builds hipquant
# (AMD platform, default GPU targets) and runs the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

scripts/install-deps.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR"

echo "== example 00: Q8_1 quantization on the GPU (or the CPU reference without one)"
"$BUILD_DIR/example_00_quantize_q8_1"

echo "== hipquant tool: write a small GGUF with every weight type, then read it back"
"$BUILD_DIR/tools/hipquant" write-demo "$BUILD_DIR/demo.gguf"
"$BUILD_DIR/tools/hipquant" info "$BUILD_DIR/demo.gguf"
echo "== hipquant matvec: the Q4_K tensor times a random batch of 2 (GPU if present, else the CPU reference)"
"$BUILD_DIR/tools/hipquant" matvec "$BUILD_DIR/demo.gguf" demo.q4_k --batch 2
