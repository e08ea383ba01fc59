#!/usr/bin/env bash
# Builds ponet.cpp and runs the whole test suite through ctest. GPU tests report "Skipped" when no
# CUDA device is present. Exits non-zero on any failure.
#   scripts/test.sh              the normal build (build/)
#   scripts/test.sh --sanitize   an ASan + UBSan build without CUDA (build-sanitize/), every finding fatal,
#                                with the CPU caching allocator off (PONET_CPU_ALLOCATOR=malloc)
# Further arguments go to ctest (e.g. -R parity).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  scripts/setup.sh >/dev/null  # the packages (and the normal build)
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPONET_SANITIZE=ON -DPONET_CUDA=OFF \
        -DPONET_BUILD_BENCH=OFF >/dev/null
  cmake --build build-sanitize -j"$jobs"
  # allocator_may_return_null: an impossible allocation must reach the code as a null pointer, which
  # turns it into a ponet::Error (the out-of-memory tests check that). PONET_CPU_ALLOCATOR=malloc: no
  # caching of freed tensors, so that ASan sees every use after free.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 PONET_CPU_ALLOCATOR=malloc
  ctest --test-dir build-sanitize --output-on-failure -j"$jobs" "$@"
  exit
fi
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$jobs" "$@"
