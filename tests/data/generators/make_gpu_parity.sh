#!/usr/bin/env bash
# Writes tests/data/gpu_parity/: the CPU reference runs that scripts/gpu_check.sh (stage train) repeats
# on CUDA and compares step by step (scripts/lib/gpu_parity.py), so that a lent GPU machine spends none
# of its minutes on the CPU side.
#   corpus.txt         a generated corpus: 80 documents of 10 sentences over 160 made-up words with a
#                      skewed frequency, so that MLM has something to learn (no network on that machine)
#   pretrain.jsonl     `ponet pretrain`: the built-in tiny model at 32 x 128 tokens, 200 steps
#   lra_<mixer>.jsonl  `ponet lra listops` with ponet, softmax and fnet at L 1024, 20 steps
# Each .jsonl is the command (without --device and --out) and its tolerance, then the run's log.jsonl
# records without their timings. Rerun it after a change that moves the CPU losses (ctest
# gpu_check_no_gpu then fails: its CPU run no longer reproduces pretrain.jsonl) and commit the folder.
#   tests/data/generators/make_gpu_parity.sh [BUILD_DIR]   (default build/; about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build}
ponet="$build/ponet"
[ -x "$ponet" ] || { echo "make_gpu_parity: no $ponet (build the ponet_cli target first)" >&2; exit 1; }
dest=tests/data/gpu_parity
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$dest/corpus.txt" <<'PY'
import random, sys
rng = random.Random(7)
syllables = "ka lo mi ru te sa no vi de ba po li gu fe ra zo".split()
words = ["".join(syllables[int(rng.random() * 16)] for _ in range(2 + int(rng.random() * 3))) for _ in range(160)]
with open(sys.argv[1], "w") as f:
    for _ in range(80):
        for _ in range(10):
            n = 5 + int(rng.random() * 10)
            f.write(" ".join(words[int(160 * rng.random() ** 2)] for _ in range(n)) + " .\n")
        f.write("\n")
PY

# write_reference NAME RTOL ARGS...: runs `ponet ARGS --device cpu --out DIR`, writes NAME.jsonl
write_reference() {
  local name=$1 rtol=$2
  shift 2
  rm -rf "${work:?}/$name"
  echo "make_gpu_parity: $name: ponet $*"
  "$ponet" "$@" --device cpu --out "$work/$name" > "$work/$name.txt" 2>&1 || { cat "$work/$name.txt" >&2; exit 1; }
  python3 - "$dest/$name.jsonl" "$rtol" "$work/$name/log.jsonl" \
    "$(nproc) threads on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" "$@" <<'PY'
import json, sys
out, rtol, log, made_with = sys.argv[1:5]
args = sys.argv[5:]
timing = {"elapsed_s", "tokens_per_s", "examples_per_s"}
with open(out, "w") as f:
    f.write(json.dumps({"kind": "command", "argv": args, "rtol": float(rtol), "made_with": made_with}) + "\n")
    for line in open(log):
        r = json.loads(line)
        f.write(json.dumps({k: v for k, v in r.items() if k not in timing}, sort_keys=True) + "\n")
PY
  python3 scripts/lib/gpu_parity.py parity "$dest/$name.jsonl" "$work/$name/log.jsonl" > /dev/null 2> "$work/check.txt" \
    || { cat "$work/check.txt" >&2; echo "make_gpu_parity: $name does not match its own run" >&2; exit 1; }
}

write_reference pretrain 0.02 pretrain --corpus "$dest/corpus.txt" --vocab-size 400 --eval-batches 4 --steps 200 \
  --warmup 20 --eval-every 100 --checkpoint-every 200 --log-every 1 --held-out 0.05 --seed 1 --quiet
# 20 steps, most of them inside the learning-rate warmup: the runs stay close, so 1e-4 holds throughout
for mixer in ponet softmax fnet; do
  write_reference "lra_$mixer" 1e-4 lra listops --mixer "$mixer" --train 64 --dev 32 --test 32 --min-length 500 \
    --max-length 1024 --pad-to 1024 --steps 20 --seed 1 --quiet
done
du -sh "$dest"
