#!/usr/bin/env bash
# scripts/generation_study.sh end to end at a tiny setting (a generated corpus, 8-step runs of both causal
# mixers over 2 seeds, contexts of 16 and 32 tokens): the runs, the tables, the chart and the samples are
# all written. Run by ctest as `generation_study_script`; args: the build directory.
set -euo pipefail
build="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
STEPS=8 SEEDS="0 1" HIDDEN=16 LEN=16 BATCH=4 VOCAB=60 CONTEXTS=16,32 WINDOW=8 SPEED_HIDDEN=16 \
  CORPUS="$dir/corpus.txt" OUT="$dir/out" PONET="$build/ponet" BENCH="$build/bench_generation" \
  bash "$(dirname "$0")/../../scripts/generation_study.sh" > "$dir/log.txt" 2>&1 || { cat "$dir/log.txt"; exit 1; }
for f in results.md perplexity-curves.svg speed.txt samples.md lm-ponet_causal-s1/checkpoint.safetensors \
         lm-softmax_causal-s1/checkpoint.safetensors; do
  [ -s "$dir/out/$f" ] || { echo "generation study: missing $f"; cat "$dir/log.txt"; exit 1; }
done
grep -q "^| causal PoNet | " "$dir/out/results.md" || { echo "no perplexity row for PoNet"; exit 1; }
grep -q "Paired by seed" "$dir/out/results.md" || { echo "no paired comparison"; exit 1; }
grep -qE "^ +32 \|" "$dir/out/speed.txt" || { echo "no speed row for context 32"; cat "$dir/out/speed.txt"; exit 1; }
[ "$(grep -c greedy "$dir/out/samples.md")" -eq 6 ] || { echo "not 6 greedy samples"; exit 1; }
echo "generation_study_script: ok"
