#!/usr/bin/env bash
# Installs a configured and built ponet.cpp build into a temporary prefix, then configures, builds and
# runs tests/consumer against that prefix only, as a project outside this tree would. Run by ctest as
# `install_consumer`; exits non-zero on any failure.
#   tests/scripts/check_consumer.sh BUILD_DIR
set -euo pipefail
build="${1:-}"
if [ -z "$build" ] || [ ! -f "$build/CMakeCache.txt" ]; then
  echo "usage: $0 BUILD_DIR (a configured and built ponet.cpp build; '$build' has no CMakeCache.txt)" >&2
  exit 2
fi
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$build" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cache_prefix_path=$(cache CMAKE_PREFIX_PATH)
run_logged() {  # the command's output is shown only when it fails
  "$@" > "$tmp/log.txt" 2>&1 || { cat "$tmp/log.txt"; echo "FAIL: $*"; exit 1; }
}

run_logged cmake --install "$build" --prefix "$tmp/prefix"
for f in include/ponet/core/tensor.h include/ponet/autograd/ops.h include/ponet/nn/token_mixer.h \
         include/ponet/train/optimizer.h; do
  test -f "$tmp/prefix/$f" || { echo "FAIL: the install lacks $f"; exit 1; }
done
lib=$(find "$tmp/prefix" -name libponet.a | head -n 1)
config=$(find "$tmp/prefix" -name ponetConfig.cmake | head -n 1)
[ -n "$lib" ] && [ -n "$config" ] || { echo "FAIL: the install lacks libponet.a or ponetConfig.cmake"; exit 1; }
# A relocatable package names no path of this checkout (the include dir must be the installed one).
if grep -rqF "$source_dir/" "$(dirname "$config")"; then
  echo "FAIL: the installed package refers to the source tree:"; grep -rnF "$source_dir/" "$(dirname "$config")"; exit 1
fi

# The consumer finds ponet's dependencies where this build found them: the same prefix path (on a machine
# without their packages, build-deps/ of scripts/pack_gpu_deps.sh supplies nlohmann-json and utf8proc) and
# the same ignored prefixes (a build that hides the system's packages, as pack_gpu_prebuilt.sh does).
prefix_path="$tmp/prefix${cache_prefix_path:+;$cache_prefix_path}"
same_search=()
for var in CMAKE_IGNORE_PREFIX_PATH CMAKE_IGNORE_PATH; do
  [ -z "$(cache "$var")" ] || same_search+=("-D$var=$(cache "$var")")
done
run_logged cmake -S "$source_dir/tests/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix_path" "${same_search[@]}" \
  -DCMAKE_CXX_COMPILER="$(cache CMAKE_CXX_COMPILER)" -DCMAKE_BUILD_TYPE=Release
grep "consumer: ponet" "$tmp/log.txt"
run_logged cmake --build "$tmp/consumer"
"$tmp/consumer/consumer"
