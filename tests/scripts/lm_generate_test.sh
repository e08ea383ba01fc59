#!/usr/bin/env bash
# End-to-end check of `ponet lm` and `ponet generate` on a tiny generated corpus: a short run of each
# causal mixer (stopped, then resumed), generation from it (greedy twice = the same text; a seed gives the
# same sample twice), and the refusals: a non-causal mixer, a run that is not a language model, an empty
# prompt, a prompt longer than the positions, bad sampling values. Run by ctest as `lm_generate`.
set -euo pipefail
ponet="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
cat > "$dir/model.json" <<'JSON'
{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,
 "max_position_embeddings": 24, "hidden_dropout_prob": 0.0, "causal_segment_length": 5}
JSON
common=(--corpus "$dir/corpus.txt" --config "$dir/model.json" --vocab-size 60 --max-len 16 --batch-size 4
        --warmup 2 --eval-every 5 --eval-batches 2 --checkpoint-every 5 --held-out 0.2 --quiet)

expect_fail() {  # expected exit code, a text the error must contain, then the command
  local want=$1 text=$2 got=0
  shift 2
  "$@" > /dev/null 2> "$dir/err.txt" || got=$?
  [ "$got" -eq "$want" ] || { echo "expected exit $want from: $*; got $got"; cat "$dir/err.txt"; exit 1; }
  grep -qF -- "$text" "$dir/err.txt" || { echo "the error of: $* does not say: $text"; cat "$dir/err.txt"; exit 1; }
}

for mixer in ponet_causal softmax_causal; do
  run="$dir/$mixer"
  "$ponet" lm "${common[@]}" --mixer "$mixer" --out "$run" --steps 10 --stop-after 5 > /dev/null
  "$ponet" lm --out "$run" --resume --quiet > "$dir/second.txt"
  grep -q "trained 5 steps" "$dir/second.txt" || { echo "$mixer: resume did not run the remaining 5 steps"; cat "$dir/second.txt"; exit 1; }
  grep -q "perplexity" "$dir/second.txt" || { echo "$mixer: no held-out perplexity"; exit 1; }
  grep -q '"perplexity"' "$run/log.jsonl" || { echo "$mixer: log.jsonl has no perplexity"; exit 1; }
  [ -s "$run/curves.svg" ] || { echo "$mixer: no curves.svg"; exit 1; }
  grep -q "\"mixer\": \"$mixer\"" "$run/config.json" || { echo "$mixer: config.json does not name the mixer"; exit 1; }
  "$ponet" eval --run "$run" --batches 2 | grep -q "perplexity" || { echo "$mixer: ponet eval gives no perplexity"; exit 1; }
  "$ponet" generate --run "$run" "king light" --temperature 0 --max-tokens 8 > "$dir/g1.txt"
  "$ponet" generate --run "$run" "king light" --temperature 0 --max-tokens 8 > "$dir/g2.txt"
  cmp -s "$dir/g1.txt" "$dir/g2.txt" || { echo "$mixer: greedy generation differs between runs"; exit 1; }
  grep -q "^king light" "$dir/g1.txt" || { echo "$mixer: the output does not start with the prompt"; cat "$dir/g1.txt"; exit 1; }
  "$ponet" generate --run "$run" "king light" --seed 7 --top-k 5 --top-p 0.9 --temperature 1.2 --max-tokens 8 --stats > "$dir/s1.txt" 2> "$dir/stats.txt"
  "$ponet" generate --run "$run" "king light" --seed 7 --top-k 5 --top-p 0.9 --temperature 1.2 --max-tokens 8 > "$dir/s2.txt"
  cmp -s "$dir/s1.txt" "$dir/s2.txt" || { echo "$mixer: the same seed gave different samples"; exit 1; }
  grep -q "tokens/s" "$dir/stats.txt" || { echo "$mixer: --stats printed nothing"; exit 1; }
  # a prompt of 30 tokens does not fit 24 positions
  expect_fail 1 "more than the model's 24 positions" "$ponet" generate --run "$run" "$(printf 'the %.0s' $(seq 30))"
done

# refusals
expect_fail 1 "--mixer ponet is not causal" "$ponet" lm "${common[@]}" --mixer ponet --out "$dir/bad"
[ ! -e "$dir/bad" ] || { echo "a refused lm left a run directory"; exit 1; }
expect_fail 1 "--mixer softmax is not causal" "$ponet" lm "${common[@]}" --mixer softmax --out "$dir/bad"
"$ponet" pretrain --corpus "$dir/corpus.txt" --config "$dir/model.json" --vocab-size 60 --max-len 16 --batch-size 4 \
  --warmup 1 --steps 2 --eval-batches 1 --held-out 0.2 --quiet --out "$dir/pre" > /dev/null
expect_fail 1 "not a causal language model" "$ponet" generate --run "$dir/pre" "king light"
run="$dir/ponet_causal"
expect_fail 1 "the prompt is empty" "$ponet" generate --run "$run" "  "
expect_fail 1 "--temperature must be >= 0" "$ponet" generate --run "$run" "king light" --temperature -1
expect_fail 1 "--top-p must be in (0, 1]" "$ponet" generate --run "$run" "king light" --top-p 0
expect_fail 1 "--top-p must be in (0, 1]" "$ponet" generate --run "$run" "king light" --top-p 1.5
expect_fail 1 "--top-k must be >= 0" "$ponet" generate --run "$run" "king light" --top-k -3
expect_fail 1 "--max-tokens must be at least 1" "$ponet" generate --run "$run" "king light" --max-tokens 0
expect_fail 2 "" "$ponet" generate --run "$run" "king light" --temperature abc
expect_fail 1 "" "$ponet" generate --run "$dir/missing" "king light"
echo "lm_generate: ok"
