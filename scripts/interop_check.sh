#!/usr/bin/env bash
# Hugging Face interop, both ways, against stock transformers and the PyTorch reference (docs/interop.md).
#
#   scripts/interop_check.sh [BUILD_DIR] [WORK_DIR]     # defaults: build, /tmp/ponet_interop
#
# 1. BUILD_DIR/ponet_tests exports tiny PoNet and BERT models (with our logits) into WORK_DIR/ours;
# 2. scripts/interop_check.py check loads them with transformers (BERT) and the reference (PoNet) and
#    compares logits and tokenizer ids;
# 3. interop_check.py make-bert saves tiny BERTs with transformers' save_pretrained into WORK_DIR/theirs
#    (sharded, single-file, and pytorch_model.bin only, which scripts/convert_to_safetensors.py converts);
# 4. ponet_tests imports those and compares with transformers' logits;
# 5. the CLI end to end: `ponet pretrain` a tiny BERT (softmax mixer), `ponet export --check`, transformers
#    loads it (same logits, same top-5 at a [MASK]), `ponet predict --run HF_DIR` imports it back (same top-5);
#    the export with bf16 weights (--dtype bf16) loads in transformers with the logits of its check file.
# Needs the venv ~/.cache/ponet-torch (torch, transformers, safetensors). Exit status: nonzero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WORK=${2:-/tmp/ponet_interop}
VENV=${PONET_TORCH_VENV:-$HOME/.cache/ponet-torch}
PY=$VENV/bin/python
[[ -x $PY ]] || { echo "interop_check: no Python venv at $VENV (torch + transformers + safetensors)"; exit 2; }
[[ -x $BUILD/ponet_tests ]] || { echo "interop_check: no $BUILD/ponet_tests (build the ponet_tests target)"; exit 2; }
if [[ -f $VENV/ldpath ]]; then export LD_LIBRARY_PATH="$(cat "$VENV/ldpath")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi

rm -rf "$WORK"
mkdir -p "$WORK/ours" "$WORK/theirs"
echo "== 1. ponet.cpp exports -> $WORK/ours"
PONET_HF_EXPORT_DIR="$WORK/ours" "$BUILD/ponet_tests" -tc="hf interop: export*,hf interop: an LRA*" >/dev/null
echo "== 2. loaded by transformers / the reference"
"$PY" scripts/interop_check.py check "$WORK/ours"/*
echo "== 3. transformers save_pretrained -> $WORK/theirs"
"$PY" scripts/interop_check.py make-bert "$WORK/theirs" --pickle
"$PY" scripts/convert_to_safetensors.py "$WORK/theirs/bert_mlm_pickle"
echo "== 4. loaded by ponet.cpp"
dirs=$(ls -d "$WORK/theirs"/* | paste -sd:)
PONET_HF_IMPORT_DIRS="$dirs" "$BUILD/ponet_tests" -tc="hf interop: BERTs saved by transformers*" | grep -E "^hf interop|test cases|Status"
echo "== 5. the CLI: pretrain a tiny BERT, export, transformers, import back"
python3 - "$WORK/corpus.txt" <<'PY'
import random, sys
random.seed(0)
words = "the lord god said unto moses and aaron light heaven earth shepherd king land water day night".split()
with open(sys.argv[1], "w") as f:
    for d in range(60):
        for s in range(8):
            f.write(" ".join(random.choice(words) for _ in range(random.randint(5, 12))) + ".\n")
        f.write("\n")  # 60 documents: --held-out 0.1 keeps 6 of them for evaluation
PY
printf '{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 64, "mixer": "softmax"}' > "$WORK/bert.json"
"$BUILD/ponet" pretrain --corpus "$WORK/corpus.txt" --config "$WORK/bert.json" --vocab-size 100 --max-len 64 --batch-size 8 \
  --steps 60 --warmup 5 --eval-every 60 --checkpoint-every 60 --held-out 0.1 --out "$WORK/cli_run" --quiet > /dev/null
"$BUILD/ponet" export --run "$WORK/cli_run" --out "$WORK/cli_hf" --check
"$PY" scripts/interop_check.py check "$WORK/cli_hf"
# the same model with bf16 weights (docs/precision.md): transformers reads the BF16 file
"$BUILD/ponet" export --run "$WORK/cli_run" --out "$WORK/cli_hf_bf16" --dtype bf16 --check
"$PY" scripts/interop_check.py check "$WORK/cli_hf_bf16"
sentence="the lord said unto [MASK] and aaron"
theirs=$("$PY" scripts/interop_check.py top5 "$WORK/cli_hf" "$sentence")
ours=$("$BUILD/ponet" predict --run "$WORK/cli_hf" "$sentence" 2>/dev/null | sed -n 's/^  \[MASK\] #1: *//p' | sed 's/ ([0-9.]*%)//g; s/  */ /g; s/^ //; s/ $//')
echo "top-5 at [MASK]: transformers: $theirs"
echo "                 ponet predict --run (imported): $ours"
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || { echo "interop_check: the top-5 differ"; exit 1; }
echo "interop_check: all passed"
