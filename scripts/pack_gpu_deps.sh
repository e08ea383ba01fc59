#!/usr/bin/env bash
# Copies the build's non-CUDA dependencies (doctest, nlohmann-json, utf8proc, zlib) out of this machine's
# Debian packages into a self-contained prefix, for a GPU machine that has CMake, g++ and nvcc but not
# these packages and no network to get them (docs/gpu.md). scripts/gpu_check.sh builds with build-deps/
# at the repository root when it exists, and scripts/pack_gpu_prebuilt.sh runs this first. build*/ is
# git-ignored, so build-deps/ reaches that machine only when the device tool's `carry` names it.
#   scripts/pack_gpu_deps.sh [DIR]     (default: build-deps/ at the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-build-deps}
mkdir -p "$dest/include" "$dest/lib/cmake" "$dest/share/cmake"
dest=$(cd "$dest" && pwd)

need() { [ -e "$1" ] || { echo "pack_gpu_deps: $1 is missing (install $2: scripts/setup.sh)" >&2; exit 1; }; }
need /usr/include/doctest/doctest.h doctest-dev
need /usr/lib/cmake/doctest/doctestConfig.cmake doctest-dev
need /usr/include/nlohmann/json.hpp nlohmann-json3-dev
need /usr/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake nlohmann-json3-dev
need /usr/include/utf8proc.h libutf8proc-dev
lib=$(find /usr/lib -name libutf8proc.a 2>/dev/null | head -n 1)
need "${lib:-/usr/lib/libutf8proc.a}" libutf8proc-dev
need /usr/include/zlib.h zlib1g-dev
need /usr/include/zconf.h zlib1g-dev
zlib=$(find /usr/lib -name libz.a 2>/dev/null | head -n 1)
need "${zlib:-/usr/lib/libz.a}" zlib1g-dev

cp -r /usr/include/doctest /usr/include/nlohmann /usr/include/utf8proc.h /usr/include/zlib.h /usr/include/zconf.h "$dest/include/"
cp -r /usr/lib/cmake/doctest "$dest/lib/cmake/"
cp -r /usr/share/cmake/nlohmann_json "$dest/share/cmake/"
# only the static library: the binaries then need nothing of it at run time
cp "$lib" "$zlib" "$dest/lib/"
# Debian's doctest targets file names its prefix as /usr; make it the prefix that holds the file
# shellcheck disable=SC2016  # the ${...} is for CMake
sed -i 's|^set(_IMPORT_PREFIX "/usr")$|get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)|' \
  "$dest/lib/cmake/doctest/doctestTargets.cmake"
grep -q 'CMAKE_CURRENT_LIST_DIR' "$dest/lib/cmake/doctest/doctestTargets.cmake" \
  || { echo "pack_gpu_deps: doctestTargets.cmake has an unexpected form; not relocated" >&2; exit 1; }
echo "pack_gpu_deps: $dest ($(du -sh "$dest" | cut -f1)); configure with -DCMAKE_PREFIX_PATH=$dest"
