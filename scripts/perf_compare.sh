#!/usr/bin/env bash
# The side-by-side CPU benchmark against PyTorch 2.15 (eager and torch.compile) with the harness in
# ../shared/bench (its README): the LRA-size step at L 512..8192, torch.compile at 1024 and 4096, the
# default pretraining step (eager and torch.compile), peak RSS per length (also with --recompute all), and this
# project's own step at 16384 for the doubling
# rule. The harness times `build/bench_ponet_step --result`, which runs exactly its step.
# Run on a quiet machine (2 threads each side); takes about 20 minutes. Output: stdout and
# build/perf_compare.txt.   Usage: scripts/perf_compare.sh [quick]   (quick: 1 round, fewer lengths)
#   scripts/perf_compare.sh bf16 [LENGTHS]   the precision table instead (docs/precision.md): the default
#     pretraining step and the LRA step (default L 1024), ours fp32 and bf16 against torch eager and
#     torch.compile, fp32 and under torch.autocast bf16 (each bf16 pair: ours --precision bf16 against
#     torch --bf16), plus ours bf16 / ours fp32 in one process; output build/perf_compare_bf16.txt
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=../shared/bench
[ -d "$BENCH" ] || { echo "perf_compare: $BENCH (the shared harness) is missing"; exit 2; }
bash "$BENCH/setup_torch.sh"
cmake --build build -j"$(nproc)" --target bench_ponet_step >/dev/null
export PERF_STEP="build/bench_ponet_step --result"
rounds=3 lengths="512 1024 2048 4096 8192"
[ "${1:-}" = "quick" ] && rounds=1 lengths="1024 4096"
if [ "${1:-}" = "bf16" ]; then
  shift
  bf16_lengths=${*:-1024}
  {
    lscpu | grep -E "^Model name|^CPU family|^Model:" | tr -s ' '
    echo "bf16 GEMM kernel: $(build/bench_ponet_step --precision-ratio tiny 1 2>&1 | grep -o 'kernel [a-z0-9]*' | head -1)"
    for torch_mode in "" "--compile"; do
      r=3; [ -n "$torch_mode" ] && r=2  # each torch.compile process compiles first (tens of seconds)
      for p in fp32 bf16; do
        targs="$torch_mode"; [ "$p" = bf16 ] && targs="$torch_mode --bf16"
        echo "== default pretraining step (tiny): ours $p vs torch${torch_mode:+ $torch_mode} $p"
        PERF_STEP="build/bench_ponet_step --result --precision $p" python3 "$BENCH/compare.py" tiny --rounds "$r" --reps 3 \
          --torch-args="$targs"
        echo "== LRA step: ours $p vs torch${torch_mode:+ $torch_mode} $p"
        # shellcheck disable=SC2086  # the lengths are words
        PERF_STEP="build/bench_ponet_step --result --precision $p" python3 "$BENCH/compare.py" lra --lengths $bf16_lengths \
          --rounds "$r" --reps 2 --torch-args="$targs"
      done
    done
    echo "== ours bf16 / ours fp32, alternated in one process"
    OMP_NUM_THREADS=2 build/bench_ponet_step --precision-ratio tiny 5
    OMP_NUM_THREADS=2 build/bench_ponet_step --precision-ratio lra 3
  } 2>&1 | tee build/perf_compare_bf16.txt
  exit 0
fi
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
