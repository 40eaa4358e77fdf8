#!/usr/bin/env bash
# Builds and tests hipquant with another Debian release's ROCm toolchain, in a
# minimal root of that release (debootstrap, chroot), so CI checks the newer
# compilers without touching this machine's own packages.
#
#   scripts/ci-rocm-root.sh SUITE ROOT_DIR [EXPECTED_TARGETS]
#
# SUITE is a Debian suite (trixie: ROCm 5.7 / clang-17; sid: HIP 6.4 with the
# ROCm 7.0 compiler / clang-21). ROOT_DIR is made if missing and kept for the
# next run. EXPECTED_TARGETS (gfx942;gfx1100) become HIPQUANT_EXPECT_GPU_TARGETS:
# configure fails if any is dropped and the kernel image test checks the
# bundle for their code. The library is built for its full default target
# list (auto); the CPU tests and the kernel image tests run inside the root.
# The mirror is the one this machine's apt uses (HIPQUANT_DEBIAN_MIRROR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: $0 SUITE ROOT_DIR [EXPECTED_TARGETS]" >&2
  exit 2
fi
suite=$1
root=$(realpath -m "$2")
expected=${3:-}

if [ "$(id -u)" -ne 0 ]; then   # debootstrap, mount and chroot need root
  exec sudo --preserve-env=HIPQUANT_DEBIAN_MIRROR "$0" "$@"
fi

# The Debian archive this machine's apt reads (deb822 or one-line sources),
# not its security archive.
debian_mirror() {
  local url
  url=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' | grep -E '/debian/?$' | head -n 1 || true)
  if [ -z "$url" ]; then
    url=$(grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp|file):/) { print $i; break } }' |
          grep -E '/debian/?$' | head -n 1 || true)
  fi
  echo "${url:-http://deb.debian.org/debian}"
}
mirror=${HIPQUANT_DEBIAN_MIRROR:-$(debian_mirror)}

# Unmount what we mounted, also when a step fails or we are interrupted.
mounted=""
cleanup() {
  if [ -n "$mounted" ]; then umount "$mounted" || umount -l "$mounted" || true; fi
  mounted=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A copy of the registry's unstable may carry a Release file past its
# Valid-Until date; the packages are still the signed ones.
apt_opts=(-o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)
in_root() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    CTEST_OUTPUT_ON_FAILURE=1 chroot "$root" "$@"
}

t0=$(date +%s)
if [ ! -e "$root/.hipquant-root-ready" ]; then
  rm -rf "$root"
  echo "ci-rocm-root: debootstrap $suite from $mirror into $root"
  log=$(mktemp)
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$log" 2>&1 || { tail -n 30 "$log"; rm -f "$log"; exit 1; }
  rm -f "$log"
  t1=$(date +%s)
  in_root apt-get "${apt_opts[@]}" update -qq
  # The toolchain (hipcc pulls its clang, lld and device libraries), the HIP
  # runtime, and what hipquant's build and tests need; nothing recommended.
  in_root apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends \
    hipcc libamdhip64-dev cmake ninja-build g++ libgtest-dev >/dev/null
  touch "$root/.hipquant-root-ready"
  echo "ci-rocm-root: root made in $((t1 - t0))s, packages installed in $(( $(date +%s) - t1 ))s" \
       "($(du -sh "$root" | cut -f1))"
else
  echo "ci-rocm-root: reusing $root"
fi
in_root sh -c 'dpkg-query -W -f="ci-rocm-root:   \${Package} \${Version}\n" hipcc libamdhip64-dev cmake g++ 2>/dev/null' || true

# The source tree as git sees it (tracked and new files; no build folders).
rm -rf "$root/src"
mkdir -p "$root/src/hipquant"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    (while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
    tar --null -T - -cf - | tar -xf - -C "$root/src/hipquant"
else
  tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$root/src/hipquant"
fi

# This hipcc reads /proc (its own path, the CPU count).
mount -t proc proc "$root/proc"
mounted="$root/proc"

in_root cmake -S /src/hipquant -B /src/build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DHIPQUANT_BUILD_EXAMPLES=OFF -DHIPQUANT_BUILD_TOOLS=OFF \
  "-DHIPQUANT_EXPECT_GPU_TARGETS=$expected"
in_root cmake --build /src/build --target hipquant hipquant_core_tests hipquant_tests hipquant_shared capi_test
# CPU tests and the kernel image checks (bundle contents, no scratch, no
# spills); the device tests would only skip in a root without a GPU.
in_root ctest --test-dir /src/build -L core
in_root ctest --test-dir /src/build -R '^KernelImage\.'
echo "ci-rocm-root: $suite passed in $(( $(date +%s) - t0 ))s"
