#!/usr/bin/env bash
# Builds the GGUF reader's libFuzzer target and runs it for a bounded time.
#
#   tests/gguf/run_fuzz.sh [SECONDS] [BUILD_DIR]     (defaults: 60, build-fuzz)
#
# Needs clang with libFuzzer and its sanitizer runtimes. Debian 12:
#   apt-get install clang-14 libclang-rt-14-dev     (or clang-15: its runtimes
#   are in libclang-common-15-dev, which clang-15 already depends on)
# Pick the compiler with CC / CXX (default: clang-14 / clang++-14 when present).
# The seed corpus tests/data/gguf_corpus is read, never written: new inputs go
# to BUILD_DIR/fuzz_corpus, crashes to BUILD_DIR/fuzz_artifacts. Exit status is
# libFuzzer's: 0 when nothing was found in the time given.
set -euo pipefail

seconds=${1:-60}
build=${2:-build-fuzz}
src=$(cd "$(dirname "$0")/../.." && pwd)

if [[ -z "${CXX:-}" ]]; then
  if command -v clang++-14 >/dev/null; then CC=clang-14 CXX=clang++-14; else CC=clang CXX=clang++; fi
fi
CC=${CC:-clang}

# The top-level CMakeLists.txt includes cmake/HipquantFuzz.cmake; until it
# does, CMAKE_PROJECT_INCLUDE pulls it in at the end of project().
extra=()
if ! grep -q 'include(HipquantFuzz)' "$src/CMakeLists.txt"; then
  extra+=("-DCMAKE_PROJECT_INCLUDE=$src/cmake/HipquantFuzz.cmake")
fi

cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DHIPQUANT_BUILD_FUZZERS=ON \
  -DHIPQUANT_BUILD_TESTS=OFF -DHIPQUANT_BUILD_EXAMPLES=OFF -DHIPQUANT_BUILD_TOOLS=OFF \
  "${extra[@]}"
cmake --build "$build" --target fuzz_gguf

mkdir -p "$build/fuzz_corpus" "$build/fuzz_artifacts"
# -max_len 64 KiB: large enough for every header/directory shape, small
# enough for many executions per second. -rss_limit_mb: a reader that
# allocates from an unchecked count fails here instead of passing slowly.
"$build/fuzz_gguf" \
  -max_total_time="$seconds" \
  -max_len=65536 \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -dict="$src/tests/gguf/gguf.dict" \
  -print_final_stats=1 \
  -artifact_prefix="$build/fuzz_artifacts/" \
  "$build/fuzz_corpus" "$src/tests/data/gguf_corpus"
