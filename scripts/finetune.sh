#!/usr/bin/env bash
# The built-in fine-tuning task end to end: which division of the King James Bible a 4-verse passage
# comes from (7 classes), fine-tuned from the pretraining run of scripts/pretrain.sh and trained from
# scratch with the same model size and budget, then both tested and compared.
#   scripts/finetune.sh [extra ponet finetune options, e.g. --steps 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/ponet ] || scripts/setup.sh
[ -s runs/kjv-tiny/checkpoint.safetensors ] || { echo "finetune.sh: run scripts/pretrain.sh first (runs/kjv-tiny)"; exit 1; }
budget=(--steps 600 --warmup 60 --eval-every 100 --lr 0.0005 --batch-size 32 --max-len 128 --seed 0 "$@")
rm -rf runs/kjv-divisions-pretrained runs/kjv-divisions-scratch
build/ponet finetune --init runs/kjv-tiny --out runs/kjv-divisions-pretrained "${budget[@]}"
build/ponet finetune --out runs/kjv-divisions-scratch "${budget[@]}"
build/ponet classify --run runs/kjv-divisions-pretrained "Blessed are the meek: for they shall inherit the earth."
python3 - <<'PY'
import json
print("\n| start | best dev accuracy | test accuracy | test macro-F1 |\n|---|---|---|---|")
for name in ("pretrained", "scratch"):
    r = json.load(open(f"runs/kjv-divisions-{name}/results.json"))
    print(f"| {name} | {100 * r['best_dev_accuracy']:.1f} % | {100 * r['test_accuracy']:.1f} % | {100 * r['test_macro_f1']:.1f} % |")
PY
