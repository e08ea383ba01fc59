#!/usr/bin/env bash
# ctest `precision`: `ponet pretrain --precision bf16` end to end on a tiny corpus (docs/precision.md).
#   - a bad value is refused naming it, before anything is written;
#   - 20 steps in bf16 stay close to the same 20 steps in fp32 (tolerance below), and differ (bf16 ran);
#   - run.json records the precision; a bf16 run stopped at step 10 and resumed gives the bits of the
#     uninterrupted one; resumed with --precision fp32 it continues in fp32 (run.json says so) and stays
#     close to the fp32 run;
#   - `ponet lm --precision bf16` (the causal language model) runs in bf16 close to fp32, records it, and
#     a stop and resume keeps it;
#   - `ponet export --dtype bf16` writes BF16 weights that `ponet predict --run` imports back.
# Usage: tests/scripts/precision_test.sh path/to/ponet
set -euo pipefail
ponet="$1"
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "precision_test FAILED: $*" >&2; exit 1; }
source "$here/tests/scripts/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
# the default model's sizes (hidden 128, 2 layers), short sequences: every GEMM kind in bf16, seconds a run
run=(--corpus "$dir/corpus.txt" --config "$here/apps/configs/tiny.json" --vocab-size 60 --max-len 32 --batch-size 8
     --steps 20 --warmup 2 --eval-every 10 --checkpoint-every 10 --log-every 1 --eval-batches 1 --held-out 0.2 --quiet)

"$ponet" pretrain "${run[@]}" --precision fp16 --out "$dir/bad" > /dev/null 2> "$dir/err.txt" && fail "--precision fp16 was accepted"
grep -q "precision 'fp16': expected fp32, bf16 or auto" "$dir/err.txt" || { cat "$dir/err.txt"; fail "the error does not name the value"; }
[ ! -e "$dir/bad" ] || fail "a refused --precision left a run directory"

"$ponet" pretrain "${run[@]}" --out "$dir/fp32" > /dev/null 2>&1
"$ponet" pretrain "${run[@]}" --precision bf16 --out "$dir/bf16" > /dev/null 2>&1
grep -q '"precision": "fp32"' "$dir/fp32/run.json" || fail "run.json does not record fp32"
grep -q '"precision": "bf16"' "$dir/bf16/run.json" || fail "run.json does not record bf16"

# The trajectories. At step 1 both runs hold the same weights and only the GEMM rounding differs; over
# 20 steps the weight differences that rounding makes compound. A bf16 GEMM input moves by at most 2^-8
# of itself, and the losses (about 4, ln 60) move by far less than that: measured, the largest relative
# gap over these 20 steps is about 0.1 % (0.2 % with a truncating conversion, which this check does not
# tell apart: tests/test_gemm_bf16.cpp does). 1 % bounds it with room for the compounding and catches a
# wrong product; the gap must also be non-zero: identical losses would mean bf16 did not run.
compare() {  # compare LOG_A LOG_B FIRST_STEP MAX_REL
  python3 - "$@" <<'PY'
import json, math, sys
a_path, b_path, first, tol = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
def losses(path):
    return {r["step"]: r["loss"] for r in map(json.loads, open(path)) if r.get("kind") == "train"}
a, b = losses(a_path), losses(b_path)
steps = [s for s in sorted(a) if s >= first]
assert steps and all(s in b for s in steps), f"steps differ: {sorted(a)} vs {sorted(b)}"
worst = 0.0
for s in steps:
    x, y = a[s], b[s]
    if not (math.isfinite(x) and math.isfinite(y)):
        sys.exit(f"step {s}: non-finite loss {x} / {y}")
    worst = max(worst, abs(x - y) / abs(x))
print(f"largest relative loss gap over steps {steps[0]}-{steps[-1]}: {worst:.2e} (limit {tol})")
if worst > tol: sys.exit(f"the runs drift apart: {worst:.3e} > {tol}")
if worst == 0.0: sys.exit("the losses are identical: the second run did not run in another precision")
PY
}
compare "$dir/fp32/log.jsonl" "$dir/bf16/log.jsonl" 1 0.01 || fail "bf16 does not follow fp32"

# resume in bf16: the bits of the uninterrupted run
"$ponet" pretrain "${run[@]}" --precision bf16 --stop-after 10 --out "$dir/stop" > /dev/null 2>&1
cp -r "$dir/stop" "$dir/stop_fp32"
"$ponet" pretrain --resume --out "$dir/stop" > /dev/null 2>&1
grep -q '"precision": "bf16"' "$dir/stop/run.json" || fail "the resumed run lost its precision"
cmp -s "$dir/stop/checkpoint.safetensors" "$dir/bf16/checkpoint.safetensors" ||
  fail "a bf16 run stopped at step 10 and resumed differs from the uninterrupted one"

# resume in fp32: recorded, and the continuation stays close to the fp32 run
"$ponet" pretrain --resume --precision fp32 --out "$dir/stop_fp32" > /dev/null 2>&1
grep -q '"precision": "fp32"' "$dir/stop_fp32/run.json" || fail "--precision fp32 on --resume is not recorded"
cmp -s "$dir/stop_fp32/checkpoint.safetensors" "$dir/bf16/checkpoint.safetensors" &&
  fail "the fp32 continuation gave the bf16 run's bits"
compare "$dir/fp32/log.jsonl" "$dir/stop_fp32/log.jsonl" 11 0.01 || fail "the fp32 continuation drifts from fp32"

# --precision auto: says what it chose and why, records that, and a resumed run keeps it (even when the
# resume says auto again); a finished bf16 run resumed with auto stays bf16 whatever this CPU would choose
# now, and reports its held-out figures with nothing left to train
"$ponet" pretrain "${run[@]}" --precision auto --stop-after 10 --out "$dir/auto" > /dev/null 2> "$dir/err.txt"
chosen=$(sed -n 's/^precision auto: \(fp32\|bf16\): .*/\1/p' "$dir/err.txt")
[ -n "$chosen" ] || { cat "$dir/err.txt"; fail "--precision auto did not say what it chose"; }
grep -q "\"precision\": \"$chosen\"" "$dir/auto/run.json" || fail "run.json does not record auto's choice ($chosen)"
"$ponet" pretrain --resume --precision auto --out "$dir/auto" > /dev/null 2> "$dir/err.txt"
! grep -q "^precision auto" "$dir/err.txt" || fail "a resumed auto run chose again instead of keeping its precision"
cp -r "$dir/bf16" "$dir/bf16_auto"
"$ponet" pretrain --resume --precision auto --out "$dir/bf16_auto" > "$dir/out.txt" 2>&1 ||
  { cat "$dir/out.txt"; fail "resuming a finished run failed"; }
grep -q "^trained 0 steps" "$dir/out.txt" || fail "resuming a finished run did not report it"
grep -q '"precision": "bf16"' "$dir/bf16_auto/run.json" || fail "resuming a bf16 run with auto changed its precision"
echo "precision_test: auto chose $chosen on this CPU"

# the causal language model: the same checks, shorter
lm=(--corpus "$dir/corpus.txt" --config "$here/apps/configs/tiny.json" --vocab-size 60 --max-len 32 --batch-size 8
    --steps 20 --warmup 2 --eval-every 10 --checkpoint-every 10 --log-every 1 --eval-batches 1 --held-out 0.2 --quiet)
"$ponet" lm "${lm[@]}" --out "$dir/lm32" > /dev/null 2>&1 || fail "ponet lm in fp32 failed"
"$ponet" lm "${lm[@]}" --precision bf16 --out "$dir/lm16" > /dev/null 2>&1 || fail "ponet lm --precision bf16 failed"
grep -q '"precision": "bf16"' "$dir/lm16/run.json" || fail "the lm run.json does not record bf16"
compare "$dir/lm32/log.jsonl" "$dir/lm16/log.jsonl" 1 0.01 || fail "the bf16 language model does not follow fp32"
"$ponet" lm "${lm[@]}" --precision bf16 --stop-after 10 --out "$dir/lmstop" > /dev/null 2>&1
"$ponet" lm --resume --out "$dir/lmstop" > /dev/null 2>&1
cmp -s "$dir/lmstop/checkpoint.safetensors" "$dir/lm16/checkpoint.safetensors" ||
  fail "a bf16 language model stopped at step 10 and resumed differs from the uninterrupted one"

# export in bf16: half the bytes, BF16 tensors, read back by ponet's import
"$ponet" export --run "$dir/bf16" --out "$dir/hf32" > /dev/null
"$ponet" export --run "$dir/bf16" --out "$dir/hf16" --dtype bf16 > /dev/null
grep -q '"torch_dtype": "bfloat16"' "$dir/hf16/config.json" || fail "config.json does not say bfloat16"
head -c 4000 "$dir/hf16/model.safetensors" | grep -q '"dtype":"BF16"' || fail "model.safetensors holds no BF16 tensor"
s32=$(stat -c %s "$dir/hf32/model.safetensors"); s16=$(stat -c %s "$dir/hf16/model.safetensors")
[ $((s16 * 10)) -lt $((s32 * 6)) ] || fail "the bf16 export is not about half the size ($s16 vs $s32 bytes)"
"$ponet" predict --run "$dir/hf16" "light [MASK] water" > "$dir/pred.txt" 2>&1 || { cat "$dir/pred.txt"; fail "predict cannot read the bf16 export"; }
"$ponet" export --run "$dir/bf16" --out "$dir/hfbad" --dtype fp16 > /dev/null 2> "$dir/err.txt" && fail "--dtype fp16 was accepted"
grep -q "fp16" "$dir/err.txt" || fail "the --dtype error does not name the value"
echo "precision_test: ok"
