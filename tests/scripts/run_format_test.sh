#!/usr/bin/env bash
# ctest `run_format`: run directories of an older format (tests/data/run_format1, written by a ponet of
# format 1) are refused by every command that reads them, with a message naming `ponet upgrade-run`;
# the conversion makes them load, and a converted pretraining run resumes to the same losses as a run
# of the current format started with the same options. Usage: tests/scripts/run_format_test.sh path/to/ponet
set -euo pipefail
ponet=$(realpath "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "run_format_test FAILED: $*" >&2; exit 1; }
cp -r "$here/tests/data/run_format1/." "$dir"
cd "$dir"  # the runs' run.json files name their inputs relative to here

# refused: exit 1 and the conversion command in the message
refused() {
  local got=0
  "$@" > out.txt 2> err.txt || got=$?
  [ "$got" -eq 1 ] || { cat err.txt; fail "expected exit 1 from: $*; got $got"; }
  grep -q "ponet upgrade-run " err.txt || { cat err.txt; fail "no conversion command in the error of: $*"; }
}
refused "$ponet" pretrain --out pretrain --resume --quiet
refused "$ponet" eval --run pretrain --batches 1
refused "$ponet" predict --run pretrain "the [MASK] of day"
refused "$ponet" export --run pretrain --out hf
refused "$ponet" profile --run pretrain --batch 1 --steps 1
refused "$ponet" pretrain --init pretrain --corpus corpus.txt --max-len 32 --steps 2 --warmup 1 --out init
refused "$ponet" finetune --out finetune --resume --quiet
refused "$ponet" classify --run finetune "the light of day"
refused "$ponet" eval --run finetune --data ft_dev.tsv
refused "$ponet" finetune --train ft_train.tsv --dev ft_dev.tsv --init pretrain --out ft_init
[ ! -e hf ] && [ ! -e init ] && [ ! -e ft_init ] || fail "a refused command left a directory behind"

# the conversion; a second one has nothing to do
"$ponet" upgrade-run pretrain > up.txt
grep -q "converted pretrain/run.json" up.txt && grep -q "converted pretrain/checkpoint.safetensors" up.txt ||
  { cat up.txt; fail "upgrade-run did not report both files of pretrain"; }
"$ponet" upgrade-run pretrain | grep -q "nothing to do" || fail "a second upgrade-run changed something"
"$ponet" upgrade-run finetune > up.txt
grep -q "converted finetune/best.safetensors" up.txt || { cat up.txt; fail "upgrade-run skipped best.safetensors"; }

# the converted runs load and resume
"$ponet" eval --run pretrain --batches 1 | grep -q "MLM accuracy" || fail "eval of the converted pretraining run"
"$ponet" pretrain --out pretrain --resume --quiet > resumed.txt 2> /dev/null || fail "resume of the converted pretraining run"
grep -q "trained 6 steps" resumed.txt || { cat resumed.txt; fail "the converted run did not train its last 6 steps"; }
"$ponet" finetune --out finetune --resume --quiet 2> /dev/null | grep -q "fine-tuned 6 steps" ||
  fail "resume of the converted fine-tuning run"
"$ponet" classify --run finetune "the light of day" | grep -Eq "^(light|dark)	" || fail "classify with the converted run"
"$ponet" eval --run finetune --data ft_dev.tsv | grep -q "macro-F1" || fail "eval of the converted fine-tuning run"

# the same losses, step for step, as a run of the current format with the options of the fixture
"$ponet" pretrain --corpus corpus.txt --config model.json --vocab-size 60 --max-len 32 --batch-size 4 \
  --warmup 2 --eval-every 5 --eval-batches 2 --checkpoint-every 5 --held-out 0.2 --log-every 1 --quiet \
  --steps 12 --out current > /dev/null 2>&1
cmp -s current/run.json pretrain/run.json ||
  { diff current/run.json pretrain/run.json || true; fail "the converted run.json differs from a current run's"; }
python3 - pretrain/log.jsonl current/log.jsonl <<'PY' || fail "the converted run trained differently"
import json, sys
losses = [[(r["step"], r["loss"]) for r in map(json.loads, open(p)) if r["kind"] == "train"] for p in sys.argv[1:]]
assert len(losses[0]) == 12 and losses[0] == losses[1], losses
PY
echo "run_format_test: format-1 runs refused with the conversion command; converted, they load and resume"
