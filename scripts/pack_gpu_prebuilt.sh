#!/usr/bin/env bash
# Builds build-prebuilt/: the tree that `scripts/gpu_check.sh --prebuilt` runs on a lent GPU machine
# instead of spending minutes of the lease on a build (docs/gpu.md has the recipe). Made for that machine:
#   - CUDA code for sm_90 only (H100, H200), CPU code for x86-64-v2 (PONET_NATIVE=OFF: not this CPU's);
#   - no MPI and no OpenBLAS (that machine has neither), utf8proc linked statically, nlohmann-json and
#     doctest from build-deps/ (scripts/pack_gpu_deps.sh runs first when it is missing), and the system's
#     packages hidden from CMake (CMAKE_IGNORE_PREFIX_PATH), as they are missing there;
#   - the programs stripped and the object files removed: the sources, build-deps/ and this tree must
#     stay under the device tool's 64 MiB;
#   - every absolute path in it (the CTest files, the test data folder compiled into ponet_tests, the
#     install rules) under an anchor, /tmp/ponet-gpu-src, a symbolic link to this repository;
#     gpu_check.sh --prebuilt points the same link at the repository's copy wherever that machine put it.
# build-prebuilt/prebuilt.txt names the anchor, and build-prebuilt/sources.sha256 holds the digest of the
# sources it was built from (scripts/lib/source_digest.sh): gpu_check.sh builds instead when the sources
# differ or ldd finds a library missing. It ends with the size of what travels and the device tool's call.
# Run it in the checkout that the device tool sends (the session's own), after the last source change.
#   scripts/pack_gpu_prebuilt.sh         (about 20 minutes on 2 cores when ccache has nothing)
# Environment: PONET_PREBUILT_ANCHOR=PATH another anchor; PONET_PREBUILT_JOBS=N build jobs (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
# shellcheck source=scripts/lib/source_digest.sh disable=SC1091
source scripts/lib/source_digest.sh
anchor=${PONET_PREBUILT_ANCHOR:-/tmp/ponet-gpu-src}
jobs=${PONET_PREBUILT_JOBS:-$(nproc)}
die() { echo "pack_gpu_prebuilt: $*" >&2; exit 1; }

[ -d build-deps/include ] || scripts/pack_gpu_deps.sh
if [ -e "$anchor" ] && [ ! -L "$anchor" ]; then die "$anchor exists and is not a link (PONET_PREBUILT_ANCHOR names another)"; fi
mkdir -p "$(dirname "$anchor")"
ln -sfn "$repo" "$anchor"
rm -rf build-prebuilt
launchers=()
if command -v ccache > /dev/null; then
  launchers=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$anchor
fi
tree=$anchor/build-prebuilt
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "pack_gpu_prebuilt: configuring $tree"
cmake -S "$anchor" -B "$tree" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90-real \
  -DPONET_NATIVE=OFF -DPONET_MPI=OFF -DPONET_BLAS=OFF -DPONET_UTF8PROC_STATIC=ON \
  -DCMAKE_PREFIX_PATH="$anchor/build-deps" -DCMAKE_IGNORE_PREFIX_PATH="/usr;/" \
  -DCMAKE_BUILD_RPATH="/usr/local/cuda/lib64;/usr/local/cuda/targets/x86_64-linux/lib" \
  "${launchers[@]}" > "$log" 2>&1 || { cat "$log" >&2; die "configure failed"; }
grep -q "ponet: CUDA backend ON" "$log" || { cat "$log" >&2; die "CMake found no nvcc: a prebuilt tree without CUDA is of no use"; }
echo "pack_gpu_prebuilt: building with $jobs jobs (the log: $tree/build.log)"
cmake --build "$tree" -j"$jobs" > "$tree/build.log" 2>&1 || { tail -n 30 "$tree/build.log" >&2; die "build failed"; }

# What ctest and `cmake --install` read stays (CTestTestfile.cmake, the discovered test lists,
# cmake_install.cmake, CMakeFiles/Export); the object files go, and the programs lose their symbols.
find "$tree/CMakeFiles" -mindepth 1 -maxdepth 1 -type d -name '*.dir' -exec rm -rf {} +
find "$tree/CMakeFiles" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*.[0-9]*' -exec rm -rf {} +
rm -rf "$tree/CMakeFiles/CMakeScratch" "$tree/CMakeFiles/CMakeTmp" "$tree/CMakeFiles/CheckCUDA"
for f in "$tree"/*; do
  if [ -f "$f" ] && [ -x "$f" ] && head -c 4 "$f" | grep -q 'ELF'; then strip --strip-unneeded "$f"; fi
done
strip --strip-debug "$tree/libponet.a"
gzip -9 "$tree/build.log"

for p in ponet ponet_tests test_ops bench_mixers; do [ -x "$tree/$p" ] || die "the build made no $p"; done
missing=$(for f in "$tree"/*; do
  if [ -f "$f" ] && [ -x "$f" ]; then ldd "$f" 2> /dev/null | grep 'not found' || true; fi
done | sort -u)
[ -z "$missing" ] || die "the programs need libraries that are missing here too: $missing"
"$tree/test_ops" list > /dev/null || die "test_ops does not run here"
{
  echo "anchor $anchor"
  echo "made $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname) from $(git rev-parse --short HEAD 2>/dev/null || echo 'no git')$(git diff --quiet HEAD 2>/dev/null || echo ' with local changes'), $(nvcc --version | grep -o 'release [0-9.]*'), sm_90"
} > build-prebuilt/prebuilt.txt
source_digest > build-prebuilt/sources.sha256

# What the device tool sends: the files git tracks or does not ignore, plus the carried folders
sources=$( (git ls-files -z --cached --others --exclude-standard 2> /dev/null || true) \
  | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done | du -cb --files0-from=- | tail -n 1 | cut -f1)
deps=$(du -sb build-deps | cut -f1) pre=$(du -sb build-prebuilt | cut -f1)
total=$((sources + deps + pre))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "pack_gpu_prebuilt: build-prebuilt/ $(mib "$pre"), build-deps/ $(mib "$deps"), the sources $(mib "$sources"):" \
  "$(mib "$total") of the 64 MiB that travel"
[ "$total" -lt $((64 << 20)) ] || die "too large for the device tool (64 MiB with the sources)"
cat <<EOF
pack_gpu_prebuilt: done. The device tool's call, from this checkout:
  run(command='bash scripts/gpu_check.sh --prebuilt "\$OUT"', carry=["build-deps", "build-prebuilt"], timeout_s=600)
EOF
