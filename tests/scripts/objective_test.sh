#!/usr/bin/env bash
# ctest `pretrain_objective`: `ponet pretrain --objective` end to end on a tiny corpus. A bad value is
# refused before anything is written; mlm+nsp records its objective in run.json, gives the head 2
# outputs, logs and evaluates NSP, and resumes with it; mlm logs no sentence metric and `ponet eval`
# reports MLM alone; --dump-batches writes every batch without changing the run.  Usage: tests/scripts/objective_test.sh path/to/ponet
set -euo pipefail
ponet="$1"
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "objective_test FAILED: $*" >&2; exit 1; }
source "$here/tests/scripts/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
tiny=(--corpus "$dir/corpus.txt" --vocab-size 60 --max-len 32 --batch-size 4 --steps 4 --warmup 1 --eval-every 2
      --log-every 2 --eval-batches 1 --held-out 0.2 --quiet)

# expect CODE PATTERN command...: the exit code, and PATTERN (grep -E) in the error
expect() {
  local want=$1 pattern=$2 got=0
  shift 2
  "$@" > /dev/null 2> "$dir/err.txt" || got=$?
  [ "$got" -eq "$want" ] || { cat "$dir/err.txt"; fail "expected exit $want from: $*; got $got"; }
  grep -Eq -e "$pattern" "$dir/err.txt" || { cat "$dir/err.txt"; fail "no '$pattern' in the error of: $*"; }
}
expect 1 "^ponet pretrain: error: --objective: unknown pretraining objective 'nsp' \(known: mlm\+sso, mlm\+nsp, mlm\)" \
  "$ponet" pretrain "${tiny[@]}" --objective nsp --out "$dir/bad"
expect 1 "--objective mlm has no sentence loss" "$ponet" pretrain "${tiny[@]}" --objective mlm --sso-weight 2 --out "$dir/bad"
[ ! -e "$dir/bad" ] || fail "a refused --objective left $dir/bad behind"

# mlm+nsp: recorded, a 2-way head, NSP in the log, resumed with the recorded objective
"$ponet" pretrain "${tiny[@]}" --objective mlm+nsp --stop-after 2 --out "$dir/nsp" > /dev/null 2>&1
grep -q '"objective": "mlm+nsp"' "$dir/nsp/run.json" || fail "run.json does not record the objective"
grep -q '"num_sso_labels": 2' "$dir/nsp/config.json" || fail "the NSP head does not have 2 outputs"
"$ponet" pretrain --resume --out "$dir/nsp" > "$dir/nsp.out" 2>&1 || { cat "$dir/nsp.out"; fail "the NSP run did not resume"; }
grep -q "NSP accuracy" "$dir/nsp.out" || fail "the resumed run does not report NSP"
last_eval=$(grep '"kind":"eval"' "$dir/nsp/log.jsonl" | tail -n 1)
[[ "$last_eval" == *'"step":4'* && "$last_eval" == *'"nsp_accuracy"'* && "$last_eval" != *sso* ]] ||
  fail "the last evaluation is not step 4 with NSP metrics: $last_eval"
"$ponet" eval --run "$dir/nsp" --batches 1 | grep -Eq "^loss .* \(MLM .* \+ NSP .*\) \| .* \| NSP accuracy" ||
  fail "ponet eval does not report NSP for an mlm+nsp run"

# mlm: no sentence metric anywhere
"$ponet" pretrain "${tiny[@]}" --objective mlm --out "$dir/mlm" > "$dir/mlm.out" 2>&1
if grep -Eq 'sso|nsp' "$dir/mlm/log.jsonl"; then fail "an MLM-only run logs a sentence metric"; fi
if grep -Eq 'SSO|NSP' "$dir/mlm.out"; then fail "an MLM-only run reports a sentence accuracy"; fi
"$ponet" eval --run "$dir/mlm" --batches 1 | grep -q "(MLM alone)" || fail "ponet eval does not report MLM alone"

# --dump-batches: one file per step and per held-out batch, and the run it dumps is the same run
"$ponet" pretrain "${tiny[@]}" --objective mlm --dump-batches "$dir/dump" --out "$dir/mlm-dumped" > /dev/null 2>&1
for f in batch_000001 batch_000004 eval_000; do [ -s "$dir/dump/$f.safetensors" ] || fail "no $f.safetensors dumped"; done
[ ! -e "$dir/dump/batch_000005.safetensors" ] || fail "more batches dumped than steps"
for t in input_ids attention_mask token_type_ids labels; do
  head -c 400 "$dir/dump/batch_000001.safetensors" | grep -q "\"$t\"" || fail "the dumped batch has no $t"
done
strip_time() { sed -E 's/"(elapsed_s|tokens_per_s)":[0-9.e+-]+,?//g' "$1"; }
cmp <(strip_time "$dir/mlm/log.jsonl") <(strip_time "$dir/mlm-dumped/log.jsonl") ||
  fail "dumping the batches changed the run (log.jsonl differs)"
echo "objective_test: ok"
