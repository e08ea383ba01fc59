#!/usr/bin/env bash
# The side-by-side CPU benchmark against PyTorch 2.15 (eager and torch.compile) with the harness in
# ../shared/bench (its README): the LRA-size step at L 512..8192, torch.compile at 1024 and 4096, the
# default pretraining step (eager and torch.compile), peak RSS per length (also with --recompute all), and this
# project's own step at 16384 for the doubling
# rule. The harness times `build/bench_ponet_step --result`, which runs exactly its step.
# Run on a quiet machine (2 threads each side); takes about 20 minutes. Output: stdout and
# build/perf_compare.txt.   Usage: scripts/perf_compare.sh [quick]   (quick: 1 round, fewer lengths)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=../shared/bench
[ -d "$BENCH" ] || { echo "perf_compare: $BENCH (the shared harness) is missing"; exit 2; }
bash "$BENCH/setup_torch.sh"
cmake --build build -j"$(nproc)" --target bench_ponet_step >/dev/null
export PERF_STEP="build/bench_ponet_step --result"
rounds=3 lengths="512 1024 2048 4096 8192"
[ "${1:-}" = "quick" ] && rounds=1 lengths="1024 4096"
{
  echo "== LRA step vs torch eager (rounds $rounds, reps 3)"
  python3 "$BENCH/compare.py" lra --lengths $lengths --rounds "$rounds" --reps 3
  echo "== LRA step vs torch.compile"
  python3 "$BENCH/compare.py" lra --lengths 1024 4096 --rounds "$rounds" --reps 3 --torch-args=--compile
  echo "== default pretraining step (tiny) vs torch eager"
  python3 "$BENCH/compare.py" tiny --rounds 5 --reps 5
  echo "== default pretraining step (tiny) vs torch.compile"
  python3 "$BENCH/compare.py" tiny --rounds 5 --reps 5 --torch-args=--compile
  echo "== peak RSS"
  bash "$BENCH/mem.sh" 1024 2048 4096 8192
  echo "== peak RSS, ours recomputing in backward (--recompute all: the FFN and the mixer sublayer)"
  PERF_STEP="build/bench_ponet_step --result --recompute all" bash "$BENCH/mem.sh" 4096 8192 | grep -v "^torch"
  echo "== LRA step recomputing (--recompute all) vs torch eager, L 8192"
  PERF_STEP="build/bench_ponet_step --result --recompute all" \
    python3 "$BENCH/compare.py" lra --lengths 8192 --rounds 1 --reps 2
  echo "== ours alone, 512 .. 16384 (time per doubling)"
  for L in 512 1024 2048 4096 8192 16384; do OMP_NUM_THREADS=2 build/bench_ponet_step --result lra "$L" 1 | grep RESULT; done
} 2>&1 | tee build/perf_compare.txt
