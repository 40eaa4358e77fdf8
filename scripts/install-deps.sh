#!/usr/bin/env bash
# Installs what hipquant needs on Debian 12 from Debian's own packages:
# the build tools, GoogleTest, ROCm's hipcc + HIP runtime + device libraries
# (AMD kernels build without an AMD GPU), clang's fuzzer runtime, Python
# with NumPy, pytest and pybind11 (the Python module and its tests), and
# debootstrap, with which CI makes Debian 13 / unstable roots to build with
# their newer ROCm toolchains (scripts/ci-rocm-root.sh).
set -euo pipefail

packages=(
  cmake ninja-build g++ git pkg-config
  libgtest-dev
  hipcc libamdhip64-dev rocm-device-libs
  clang-14 libclang-rt-14-dev
  debootstrap
  python3-dev python3-numpy python3-pytest pybind11-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
