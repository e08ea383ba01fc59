#!/usr/bin/env bash
# Tiny BERT pretrained twice on the same examples from the same weights: by ponet.cpp and by transformers'
# BertForPreTraining (MLM loss only), to tell a defect here from a property of the recipe.
#   scripts/bert_side_by_side.sh                  # defaults below; about 2 x 15 min on 2 cores
#   STEPS=300 OUT=/tmp/sbs scripts/bert_side_by_side.sh
# 1. a 1-step `ponet pretrain` trains the 4000-token vocabulary (as scripts/compare_mixers.sh does);
# 2. transformers initialises a BertForPreTraining of apps/configs/tiny.json's sizes (INIT_STD) and saves it;
# 3. `ponet pretrain --init` trains it with MLM alone and dumps every batch it draws (--dump-batches);
# 4. transformers trains the same weights on those batches with the same AdamW, schedule and clipping;
# 5. the report: the first steps' losses (equal to float rounding), loss and held-out MLM curves, an SVG.
# Dropout is 0 on both sides so that the only difference is float summation order.
# Needs the venv ~/.cache/ponet-torch with torch and transformers (docs/interop.md says how to make it;
# PONET_TORCH_VENV names another).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-2000}
lr=${LR:-1e-3}
warmup=${WARMUP:-100}
mask=${MASK:-0.15}
init_std=${INIT_STD:-0.05}
seed=${SEED:-0}
threads=${THREADS:-1}
out=${OUT:-runs/bert_side_by_side}
name=${NAME:-lr $lr, warmup $warmup, mask $mask, init std $init_std}
VENV=${PONET_TORCH_VENV:-$HOME/.cache/ponet-torch}
PY=$VENV/bin/python
[[ -x $PY ]] || { echo "bert_side_by_side: no Python venv at $VENV (torch + transformers)"; exit 2; }
[[ -f $VENV/ldpath ]] && export LD_LIBRARY_PATH="$(cat "$VENV/ldpath")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -x build/ponet ] || scripts/setup.sh
study=scripts/studies/bert_side_by_side.py

rm -rf "$out"
mkdir -p "$out"
python3 - "$out/config.json" "$init_std" <<'PY'
import json, sys
c = json.load(open("apps/configs/tiny.json"))
c.update(mixer="softmax", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, initializer_range=float(sys.argv[2]))
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
build/ponet pretrain --config "$out/config.json" --vocab-size 4000 --steps 1 --warmup 0 --threads "$threads" \
  --out "$out/vocab-run" --quiet > "$out/vocab-run.txt" 2>&1
"$PY" "$study" init "$out/init" --vocab "$out/vocab-run/vocab.txt" --config "$out/config.json" --seed "$seed" 2>/dev/null
build/ponet pretrain --init "$out/init" --objective mlm --mask-prob "$mask" --lr "$lr" --warmup "$warmup" \
  --steps "$steps" --log-every 1 --eval-every 100 --dump-batches "$out/batches" --threads "$threads" --seed "$seed" \
  --out "$out/ours" --quiet > "$out/ours.txt" 2>&1 ||
  { echo "bert_side_by_side: the ponet run failed (see $out/ours.txt)"; exit 1; }
"$PY" "$study" train "$out/init" "$out/batches" --steps "$steps" --warmup "$warmup" --lr "$lr" --weight-decay 0.01 \
  --clip 1.0 --eval-every 100 --threads "$threads" --seed "$seed" --out "$out/theirs.jsonl" > "$out/theirs.txt" 2>&1 ||
  { echo "bert_side_by_side: the transformers run failed (see $out/theirs.txt)"; exit 1; }
rm -rf "$out/batches"  # 100 KB a step; the two logs keep what the report needs
python3 "$study" report "$out/ours" "$out/theirs.jsonl" --svg "$out/curves.svg" --name "$name" | tee "$out/report.md"
