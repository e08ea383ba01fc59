#!/usr/bin/env bash
# Causal PoNet vs the causal Transformer (softmax_causal) as language models (docs/generation.md):
#   (a) held-out perplexity of `ponet lm` runs on the default corpus, same sizes, steps and data, SEEDS
#       seeds each; the table (mean, std, per seed) and the held-out curves as one SVG chart
#   (b) generation speed and memory against the context length (build/bench_generation, random weights)
#   (c) samples of both models for a few prompts (greedy, and a seeded top-k/top-p draw)
# Writes $OUT/results.md, $OUT/perplexity-curves.svg and $OUT/speed.txt.
#   scripts/generation_study.sh    # defaults: STEPS=1000 SEEDS="0 1 2" HIDDEN=64 LEN=64 BATCH=16 VOCAB=2000
#                                  #           THREADS=1 JOBS=2 CONTEXTS=128,...,16384 SPEED_HIDDEN=128 WINDOW=64
# CORPUS (default: the King James Bible), OUT (runs/generation), PONET and BENCH (the binaries) also apply;
# tests/scripts/generation_study_test.sh runs it end to end at a tiny setting.
# Finished runs of the same settings are kept, so the script can be re-run or extended.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-1000}
seeds=(${SEEDS:-0 1 2})
hidden=${HIDDEN:-64}
len=${LEN:-64}
batch=${BATCH:-16}
vocab=${VOCAB:-2000}
threads=${THREADS:-1}
jobs=${JOBS:-2}
lr=${LR:-3e-3}
contexts=${CONTEXTS:-128,256,512,1024,2048,4096,8192,16384}
speed_hidden=${SPEED_HIDDEN:-128}
window=${WINDOW:-64}
corpus=${CORPUS:-}
out=${OUT:-runs/generation}
ponet=${PONET:-build/ponet}
bench=${BENCH:-build/bench_generation}
mkdir -p "$out"
tag="steps$steps-h$hidden-len$len-b$batch-v$vocab-lr$lr"
corpus_args=()
[ -n "$corpus" ] && corpus_args=(--corpus "$corpus")

cat > "$out/config.json" <<JSON
{"hidden_size": $hidden, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": $((4 * hidden)),
 "max_position_embeddings": $len, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
 "initializer_range": 0.05, "causal_segment_length": 16}
JSON

# one vocabulary for every run (trained once, by the first run)
first="$out/lm-ponet_causal-s${seeds[0]}"
vocab_args=()
[ -s "$out/vocab.txt" ] && vocab_args=(--vocab "$out/vocab.txt")

lm_one() {
  local mixer=$1 seed=$2 dir="$out/lm-$1-s$2"
  [ "$(cat "$dir/done" 2>/dev/null)" = "$tag" ] && return 0
  rm -rf "$dir"
  "$ponet" lm "${corpus_args[@]}" --config "$out/config.json" --mixer "$mixer" --vocab-size "$vocab" \
    "${vocab_args[@]}" --max-len "$len" --batch-size "$batch" --steps "$steps" --warmup $((steps / 10)) --lr "$lr" \
    --eval-every $((steps / 8)) --eval-batches 8 --checkpoint-every "$steps" --seed "$seed" --threads "$threads" \
    --quiet --out "$dir" > "$dir.txt" 2>&1
  echo "$tag" > "$dir/done"
}

# the first run trains the vocabulary; every other run reuses it
lm_one ponet_causal "${seeds[0]}"
cp "$first/vocab.txt" "$out/vocab.txt"
vocab_args=(--vocab "$out/vocab.txt")
pids=()
for mixer in ponet_causal softmax_causal; do
  for seed in "${seeds[@]}"; do
    [ "$mixer/$seed" = "ponet_causal/${seeds[0]}" ] && continue
    lm_one "$mixer" "$seed" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
done
for p in "${pids[@]}"; do wait "$p"; done

# (b) speed and memory against the context length
"$bench" --contexts "$contexts" --window "$window" --hidden "$speed_hidden" --layers 2 --heads 2 --threads 1 > "$out/speed.txt"

# (c) samples
prompts=("In the beginning" "And the LORD said unto Moses" "Blessed are")
{
  for mixer in ponet_causal softmax_causal; do
    for p in "${prompts[@]}"; do
      echo "- $mixer, greedy: $("$ponet" generate --run "$out/lm-$mixer-s${seeds[0]}" "$p" --temperature 0 --max-tokens 24)"
      echo "- $mixer, temperature 0.8, top-k 40, top-p 0.95, seed 1: $("$ponet" generate --run "$out/lm-$mixer-s${seeds[0]}" "$p" --temperature 0.8 --top-k 40 --top-p 0.95 --seed 1 --max-tokens 24)"
    done
  done
} > "$out/samples.md"

python3 - "$out" "$steps" "${seeds[@]}" <<'PY'
import json, math, os, sys
sys.path.insert(0, "scripts/lib")
from svg_chart import line_chart
out, steps, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
mixers = [("ponet_causal", "causal PoNet", "#d62728"), ("softmax_causal", "causal softmax (GPT-style)", "#1f77b4")]
def evals(m, s):
    path = os.path.join(out, f"lm-{m}-s{s}", "log.jsonl")
    return [r for r in map(json.loads, filter(str.strip, open(path))) if r.get("kind") == "eval"]
lines = ["| mixer | held-out perplexity, mean ± std | per seed | next-token accuracy (mean) |", "|---|---|---|---|"]
series = []
final_ppl = {}
for m, name, colour in mixers:
    finals = [evals(m, s)[-1] for s in seeds]
    ppl = [r["perplexity"] for r in finals]
    final_ppl[m] = ppl
    mean = sum(ppl) / len(ppl)
    std = math.sqrt(sum((p - mean) ** 2 for p in ppl) / (len(ppl) - 1)) if len(ppl) > 1 else 0.0
    acc = 100 * sum(r["accuracy"] for r in finals) / len(finals)
    lines.append(f"| {name} | {mean:.2f} ± {std:.2f} | {', '.join(f'{p:.2f}' for p in ppl)} | {acc:.1f}% |")
    for i, s in enumerate(seeds):
        series.append((name if i == 0 else name, colour, [(r["step"], r["perplexity"]) for r in evals(m, s)], i > 0))
# a seed sets the initialisation, the batches and the held-out split of both mixers alike: compare pairwise
diffs = [p - q for p, q in zip(final_ppl["ponet_causal"], final_ppl["softmax_causal"])]
dmean = sum(diffs) / len(diffs)
dstd = math.sqrt(sum((d - dmean) ** 2 for d in diffs) / (len(diffs) - 1)) if len(diffs) > 1 else 0.0
lines.append("")
lines.append(f"Paired by seed, PoNet minus softmax: {', '.join(f'{d:+.2f}' for d in diffs)} "
             f"(mean {dmean:+.2f} ± {dstd:.2f}, {sum(d < 0 for d in diffs)} of {len(diffs)} seeds lower for PoNet).")
line_chart(os.path.join(out, "perplexity-curves.svg"),
           [{"title": "held-out perplexity (every seed; dashed: seeds after the first)", "xlabel": "step",
             "ylabel": "perplexity", "series": series}],
           f"Causal LM on the default corpus, {steps} steps")
with open(os.path.join(out, "results.md"), "w") as f:
    f.write("\n".join(lines) + "\n\n## Generation speed and memory\n\n```\n" + open(os.path.join(out, "speed.txt")).read()
            + "```\n\n## Samples\n\n" + open(os.path.join(out, "samples.md")).read())
print(open(os.path.join(out, "results.md")).read())
PY
