#!/usr/bin/env bash
# Builds ponet.cpp and runs the whole test suite through ctest. GPU tests report "Skipped" when no
# CUDA device is present. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j"$jobs" "$@"
