#!/usr/bin/env bash
# End-to-end check of the `ponet` CLI on a tiny generated corpus: pretrain (stopped, then resumed),
# eval, predict, fine-tuning and classify, LRA ListOps (data, a short run), profile, and the exit codes
# of bad invocations. Run by ctest as `cli_smoke`.
set -euo pipefail
ponet="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

source "$(dirname "$0")/lib/tiny_run.sh"
# require_file FILE...: each FILE exists and is not empty. (Not `test -s a && test -s b`: under set -e a
# failure before the last && of a list does not stop the script.)
require_file() {
  local f
  for f in "$@"; do [ -s "$f" ] || { echo "cli_smoke: missing or empty: $f"; exit 1; }; done
}
write_tiny_corpus "$dir/corpus.txt"
cat > "$dir/model.json" <<'JSON'
{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,
 "max_position_embeddings": 32, "hidden_dropout_prob": 0.1}
JSON
common=(--corpus "$dir/corpus.txt" --config "$dir/model.json" --vocab-size 60 --max-len 32 --batch-size 4
        --warmup 2 --eval-every 5 --eval-batches 2 --checkpoint-every 5 --held-out 0.2 --quiet)

"$ponet" pretrain "${common[@]}" --out "$dir/run" --steps 12 --stop-after 6 > "$dir/first.txt"
"$ponet" pretrain --out "$dir/run" --resume --quiet > "$dir/second.txt"
grep -q "trained 6 steps" "$dir/second.txt" || { echo "resume did not run the remaining 6 steps"; cat "$dir/second.txt"; exit 1; }
grep -q "\[MASK\] #1:" "$dir/second.txt" || { echo "no sample predictions printed"; exit 1; }
require_file "$dir/run/curves.svg" "$dir/run/log.jsonl" "$dir/run/vocab.txt"
"$ponet" eval --run "$dir/run" --batches 2 | grep -q "MLM accuracy"
"$ponet" predict --run "$dir/run" "the king [MASK] the land" --top-k 3 | grep -q "\[MASK\] #1:"
"$ponet" predict --run "$dir/run" "the king [MASK] the land" --rank t,e | grep -q "^    e: rank [0-9]* ("  # letters: tokens of any vocabulary

expect_fail() {  # expected exit code, then the command
  local want=$1 got=0
  shift
  "$@" > /dev/null 2> "$dir/err.txt" || got=$?
  [ "$got" -eq "$want" ] || { echo "expected exit $want from: $*; got $got"; cat "$dir/err.txt"; exit 1; }
  [ -s "$dir/err.txt" ] || { echo "no error message from: $*"; exit 1; }
}
expect_fail 2 "$ponet" pretrain --steps abc
expect_fail 2 "$ponet" pretrain --no-such-option
expect_fail 2 "$ponet" no-such-command
expect_fail 1 "$ponet" pretrain "${common[@]}" --out "$dir/run"          # already holds a run
expect_fail 1 "$ponet" pretrain --corpus "$dir/missing.txt" --out "$dir/other"
expect_fail 1 "$ponet" pretrain --mlm-weight 0 --sso-weight 0 --out "$dir/other"   # bad loss weights
expect_fail 1 "$ponet" pretrain --warmup 50 --steps 10 --out "$dir/other"
expect_fail 1 "$ponet" pretrain "${common[@]}" --batch-size 0 --out "$dir/other"
expect_fail 1 "$ponet" pretrain "${common[@]}" --held-out 1 --out "$dir/other"
expect_fail 1 "$ponet" pretrain "${common[@]}" --lr inf --out "$dir/other"
expect_fail 1 "$ponet" pretrain "${common[@]}" --clip inf --out "$dir/other"
expect_fail 2 "$ponet" pretrain "${common[@]}" --threads -5 --out "$dir/other"
expect_fail 1 "$ponet" pretrain "${common[@]}" --mask-prob 1 --out "$dir/other"
expect_fail 1 "$ponet" pretrain "${common[@]}" --recompute most --out "$dir/other"
grep -q "'most' (none, gelu, ffn or all)" "$dir/err.txt" || { echo "--recompute error does not list the levels"; exit 1; }
[ ! -e "$dir/other" ] || { echo "a refused pretrain left a run directory"; exit 1; }
# recomputation and the training mask rate run end to end (and are kept for --resume)
"$ponet" pretrain "${common[@]}" --out "$dir/rec" --steps 4 --recompute all --mask-prob 0.3 > /dev/null
grep -q '"recompute": "all"' "$dir/rec/run.json" || { echo "--recompute not kept in run.json"; exit 1; }
grep -q '"mask_prob": 0.3' "$dir/rec/run.json" || { echo "--mask-prob not kept in run.json"; exit 1; }
# the thread count changes no bit of a run: the default model's sizes (4096 tokens a step, so the
# kernels take their parallel and split-K paths), 1 thread against 3
for t in 1 3; do
  "$ponet" pretrain --corpus "$dir/corpus.txt" --config "$(dirname "$0")/../../apps/configs/tiny.json" --vocab-size 60 \
    --steps 2 --warmup 1 --eval-every 5 --eval-batches 1 --held-out 0.2 --threads "$t" --quiet \
    --out "$dir/threads$t" > /dev/null
done
cmp -s "$dir/threads1/checkpoint.safetensors" "$dir/threads3/checkpoint.safetensors" ||
  { echo "pretraining with 1 and 3 threads gave different checkpoints"; exit 1; }
expect_fail 1 "$ponet" pretrain "${common[@]}" --config <(echo '{"hidden_size": 32.9}') --out "$dir/other"
[ ! -e "$dir/other" ] || { echo "a rejected run left $dir/other behind"; exit 1; }
# a pre-LN model (docs/models.md): the field kept in config.json, the run stopped and resumed, evaluated
# from its checkpoint; the export refuses it; a bad value is an error naming the file and the value
sed 's/}$/, "mixer": "softmax", "layer_norm_position": "pre"}/' "$dir/model.json" > "$dir/model_pre.json"
pre=(--corpus "$dir/corpus.txt" --vocab-size 60 --max-len 32 --batch-size 4 --warmup 2 --eval-every 5 --eval-batches 2
     --checkpoint-every 5 --held-out 0.2 --quiet)
"$ponet" pretrain "${pre[@]}" --config "$dir/model_pre.json" --out "$dir/pre" --steps 6 --stop-after 3 > /dev/null
grep -q '"layer_norm_position": "pre"' "$dir/pre/config.json" || { echo "pre-LN: not in config.json"; exit 1; }
"$ponet" pretrain --out "$dir/pre" --resume --quiet > "$dir/pre.txt"
grep -q "trained 3 steps" "$dir/pre.txt" ||
  { echo "pre-LN: resume did not run the remaining 3 steps"; cat "$dir/pre.txt"; exit 1; }
"$ponet" eval --run "$dir/pre" --batches 1 | grep -q "MLM accuracy"
expect_fail 1 "$ponet" export --run "$dir/pre" --out "$dir/hf_pre"
grep -q "layer_norm_position pre has no Hugging Face counterpart" "$dir/err.txt" ||
  { echo "pre-LN export: unclear refusal"; cat "$dir/err.txt"; exit 1; }
[ ! -e "$dir/hf_pre/model.safetensors" ] || { echo "pre-LN export wrote weights"; exit 1; }
sed 's/"pre"/"middle"/' "$dir/model_pre.json" > "$dir/model_bad.json"
expect_fail 1 "$ponet" pretrain "${pre[@]}" --config "$dir/model_bad.json" --out "$dir/other"
grep -q "model_bad.json: field \"layer_norm_position\" is \"middle\"" "$dir/err.txt" ||
  { echo "bad layer_norm_position: unclear error"; cat "$dir/err.txt"; exit 1; }
[ ! -e "$dir/other" ] || { echo "a rejected run left $dir/other behind"; exit 1; }
expect_fail 1 "$ponet" predict --run "$dir/run" "no mask in this text"
expect_fail 1 "$ponet" predict --run "$dir/run" "the [MASK]" --rank qzxqzxqzx  # not one token

# Hugging Face directories: export, then every --run reads the export as it reads the run (docs/interop.md)
"$ponet" export --run "$dir/run" --out "$dir/hf" > /dev/null
require_file "$dir/hf/config.json" "$dir/hf/model.safetensors" "$dir/hf/vocab.txt" "$dir/hf/tokenizer_config.json"
grep -q '"PoNetForPreTraining"' "$dir/hf/config.json" || { echo "export: no PoNet architecture"; cat "$dir/hf/config.json"; exit 1; }
"$ponet" predict --run "$dir/run" "the king [MASK] the land" --top-k 3 > "$dir/pred_run.txt"
"$ponet" predict --run "$dir/hf" "the king [MASK] the land" --top-k 3 > "$dir/pred_hf.txt"
cmp -s "$dir/pred_run.txt" "$dir/pred_hf.txt" || { echo "predict: the export predicts differently"; diff "$dir/pred_run.txt" "$dir/pred_hf.txt"; exit 1; }
"$ponet" tokenize --run "$dir/hf" "The king [MASK] the land" > "$dir/tok.txt"
grep -q "\[MASK\]" "$dir/tok.txt" || { echo "tokenize: [MASK] not kept whole"; cat "$dir/tok.txt"; exit 1; }
# continued pretraining from the export: its vocabulary and weights, so the first loss is the trained run's
# level (4.88 here), below a fresh model's (5.14)
"$ponet" pretrain --init "$dir/hf" --corpus "$dir/corpus.txt" --max-len 32 --batch-size 4 --warmup 1 --steps 2 \
  --eval-every 2 --eval-batches 1 --checkpoint-every 2 --held-out 0.2 --log-every 1 --quiet --out "$dir/pt_hf" > /dev/null
cmp -s "$dir/run/vocab.txt" "$dir/pt_hf/vocab.txt" || { echo "pretrain --init: not the model's vocabulary"; exit 1; }
"$ponet" pretrain "${common[@]}" --steps 2 --warmup 1 --log-every 1 --out "$dir/pt_fresh" > /dev/null
python3 - "$dir/pt_hf/log.jsonl" "$dir/pt_fresh/log.jsonl" <<'PY'
import json, sys
first = [next(json.loads(l)["loss"] for l in open(p) if '"train"' in l) for p in sys.argv[1:]]
assert first[0] < first[1] - 0.1, f"pretrain --init started at loss {first[0]}, a fresh model at {first[1]}"
PY
expect_fail 1 "$ponet" pretrain --init "$dir/hf" --config "$dir/model.json" --corpus "$dir/corpus.txt" --out "$dir/pt_bad"
expect_fail 2 "$ponet" export --run "$dir/run"                    # --out is required
expect_fail 1 "$ponet" export --run "$dir/missing" --out "$dir/hf_bad"
expect_fail 1 "$ponet" export --run "$dir/run" --out "$dir/run"   # never over a run directory

# LRA ListOps: data in the LRA format, a few steps with one mixer, results and the best-dev checkpoint
"$ponet" lra listops --make-data "$dir/lo" --train 40 --dev 8 --test 8 --min-length 10 --max-length 60 > /dev/null
head -n 1 "$dir/lo/basic_train.tsv" | grep -q "^Source	Target$"
"$ponet" lra listops --data "$dir/lo" --mixer fnet --max-length 60 --steps 4 --out "$dir/lra" --quiet > "$dir/lra.txt"
grep -q "test accuracy" "$dir/lra.txt" || { echo "ponet lra printed no test accuracy"; cat "$dir/lra.txt"; exit 1; }
require_file "$dir/lra/results.json" "$dir/lra/best.safetensors"
# the earlier recipe by flags: its record in results.json, and the log without beta1 (not cycled)
"$ponet" lra listops --data "$dir/lo" --mixer ponet --max-length 60 --steps 4 --schedule linear --clip 1 \
  --sampling random --segment-num 5 --out "$dir/lra_v1" --quiet > /dev/null
grep -q '"schedule": "linear"' "$dir/lra_v1/results.json" || { echo "lra: --schedule linear not in results.json"; exit 1; }
grep -q '"segment_num": 5' "$dir/lra_v1/results.json" || { echo "lra: --segment-num 5 not in results.json"; exit 1; }
if grep -q beta1 "$dir/lra_v1/log.jsonl"; then echo "lra: the linear schedule logged beta1 (cycled)"; exit 1; fi
grep -q beta1 "$dir/lra/log.jsonl" || { echo "lra: the one-cycle schedule logged no beta1"; exit 1; }
# the paper's ablation: --branches keeps the named PoNet branches, in the model config and results.json
"$ponet" lra listops --data "$dir/lo" --mixer ponet --branches ga,smp --max-length 60 --steps 2 --out "$dir/lra_ab" --quiet > /dev/null
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
assert c["ponet_branches"] == ["ga", "smp"], c.get("ponet_branches")
assert r["recipe"]["branches"] == ["ga", "smp"], r["recipe"]' "$dir/lra_ab/config.json" "$dir/lra_ab/results.json" \
  || { echo "lra: --branches ga,smp not in config.json and results.json"; exit 1; }
if "$ponet" lra listops --data "$dir/lo" --mixer fnet --branches ga --steps 2 --out "$dir/lra_bad" --quiet 2> "$dir/err.txt"; then
  echo "lra: --branches with the fnet mixer was accepted"; exit 1
fi
grep -q "the switches are PoNet's" "$dir/err.txt" || { echo "lra: --branches with fnet: unclear error"; cat "$dir/err.txt"; exit 1; }
[ ! -e "$dir/lra_bad" ] || { echo "lra: a refused --branches left its run directory"; exit 1; }
expect_fail 1 "$ponet" lra listops --data "$dir/lo" --max-length 60 --schedule cosine --out "$dir/lra_bad"
expect_fail 1 "$ponet" lra listops --data "$dir/lo" --max-length 60 --sampling shuffle --out "$dir/lra_bad"
expect_fail 1 "$ponet" lra listops --data "$dir/lo" --max-length 60 --clip -1 --out "$dir/lra_bad"
expect_fail 1 "$ponet" lra listops --mixer linformer --steps 1 --out "$dir/lra_bad"
expect_fail 1 "$ponet" lra sort --out "$dir/lra_bad"
expect_fail 1 "$ponet" lra listops --data "$dir/missing" --out "$dir/lra_bad"
expect_fail 1 "$ponet" lra listops --data "$dir/lo" --max-length 20 --out "$dir/lra_bad"   # data longer than the model
[ ! -e "$dir/lra_bad" ] || { echo "a rejected LRA run left $dir/lra_bad behind"; exit 1; }

# fine-tuning: from the pretraining run and from scratch, then classify and eval
printf 'label\ttext\n' > "$dir/ft_train.tsv"
for i in $(seq 1 12); do printf 'light\tthe light of day %s\ndark\tthe dark of night %s\n' "$i" "$i"; done >> "$dir/ft_train.tsv"
printf '{"text": "a day of light", "label": "light"}\n{"text": "a night so dark", "label": "dark"}\n' > "$dir/ft_dev.jsonl"
ft=(--train "$dir/ft_train.tsv" --dev "$dir/ft_dev.jsonl" --test "$dir/ft_dev.jsonl" --max-len 32 --batch-size 4
    --steps 6 --warmup 1 --eval-every 3 --quiet)
"$ponet" finetune "${ft[@]}" --init "$dir/run" --out "$dir/ft" > "$dir/ft.txt"
grep -q "test (best checkpoint)" "$dir/ft.txt" || { echo "finetune printed no test result"; cat "$dir/ft.txt"; exit 1; }
"$ponet" finetune "${ft[@]}" --config "$dir/model.json" --vocab-size 60 --out "$dir/ft_scratch" > /dev/null
# from a Hugging Face directory, and a fine-tuned classifier exported and classified with from there
"$ponet" finetune "${ft[@]}" --init "$dir/hf" --out "$dir/ft_hf" > /dev/null
"$ponet" export --run "$dir/ft_hf" --out "$dir/hf_cls" > /dev/null
grep -q '"id2label"' "$dir/hf_cls/config.json" || { echo "export: a classifier without id2label"; exit 1; }
"$ponet" classify --run "$dir/ft_hf" "the light of day" > "$dir/cls_run.txt"
"$ponet" classify --run "$dir/hf_cls" "the light of day" > "$dir/cls_hf.txt"
cmp -s "$dir/cls_run.txt" "$dir/cls_hf.txt" || { echo "classify: the export classifies differently"; diff "$dir/cls_run.txt" "$dir/cls_hf.txt"; exit 1; }
# longer than the pretrained 32 positions: the position table is tiled
"$ponet" finetune "${ft[@]}" --init "$dir/run" --max-len 80 --out "$dir/ft_long" > /dev/null
grep -q '"max_position_embeddings": 80' "$dir/ft_long/config.json"
"$ponet" classify --run "$dir/ft" "the light of the day" | grep -Eq "^(light|dark)	"
# a stopped fine-tuning run resumes and finishes (test pass included)
"$ponet" finetune "${ft[@]}" --init "$dir/run" --out "$dir/ft_resume" --stop-after 2 > /dev/null
"$ponet" finetune --out "$dir/ft_resume" --resume --quiet | grep -q "test (best checkpoint)"
"$ponet" eval --run "$dir/ft" --data "$dir/ft_dev.jsonl" | grep -q "macro-F1"
printf 'label\ttext\na\tone\na\ttwo\n' > "$dir/one_class.tsv"
printf 'unseen\tthe light\n' > "$dir/unseen.tsv"
# datasets as the usual tools export them: CSV with quoting and an id column, JSONL with extra fields and
# other field names, boolean labels
printf 'id,sentence,gold\n' > "$dir/ft_train.csv"
for i in $(seq 1 8); do printf '%s,"the light, of day %s",true\n%s,"the ""dark"" of night",false\n' "$i" "$i" "$i"; done >> "$dir/ft_train.csv"
printf '{"id": 1, "sentence": "a day of light", "gold": true, "src": "x"}\n{"id": 2, "sentence": "a dark night", "gold": false}\n' > "$dir/ft_dev2.jsonl"
"$ponet" finetune --train "$dir/ft_train.csv" --dev "$dir/ft_dev2.jsonl" --text-field sentence --label-field gold \
  --init "$dir/run" --max-len 32 --batch-size 4 --steps 2 --warmup 1 --eval-every 2 --quiet --out "$dir/ft_csv" > /dev/null
require_file "$dir/ft_csv/labels.txt"
grep -qx true "$dir/ft_csv/labels.txt" || { echo "CSV labels not read"; cat "$dir/ft_csv/labels.txt"; exit 1; }
"$ponet" eval --run "$dir/ft_csv" --data "$dir/ft_dev2.jsonl" --text-field sentence --label-field gold | grep -q accuracy
expect_fail 1 "$ponet" finetune --train "$dir/ft_train.csv" --dev "$dir/ft_dev2.jsonl" --init "$dir/run" --out "$dir/ft_bad"
expect_fail 1 "$ponet" finetune "${ft[@]}" --train "$dir/one_class.tsv" --out "$dir/ft_bad"
expect_fail 1 "$ponet" finetune "${ft[@]}" --dev "$dir/unseen.tsv" --out "$dir/ft_bad"
expect_fail 1 "$ponet" finetune "${ft[@]}" --init "$dir/lra" --out "$dir/ft_bad"        # a run of the LRA family
[ ! -e "$dir/ft_bad" ] || { echo "a rejected finetune left $dir/ft_bad behind"; exit 1; }
expect_fail 1 "$ponet" classify --run "$dir/run" "a text"                              # no classifier there
expect_fail 1 "$ponet" finetune "${ft[@]}" --init "$dir/run" --out "$dir/ft"            # already holds a run

# ponet profile: a tiny profiled step, its JSON (rows present, % of step adding up to 100), other models
"$ponet" profile --length 64 --batch 2 --steps 1 --threads 1 --json "$dir/profile.json" > "$dir/profile.txt"
# on a busy machine the CLI re-executes itself with OMP_WAIT_POLICY=passive, but never over the user's
# choice (core/omp_wait_policy.h)
OMP_WAIT_POLICY=active "$ponet" profile --length 32 --batch 1 --steps 1 --threads 1 > "$dir/wait.txt"
grep -q "OMP_WAIT_POLICY=active" "$dir/wait.txt" || { echo "ponet overrode the user's OMP_WAIT_POLICY"; exit 1; }
grep -q "machine limits" "$dir/profile.txt" || { echo "ponet profile printed no limits line"; cat "$dir/profile.txt"; exit 1; }
grep -q "allocator peak" "$dir/profile.txt" || { echo "ponet profile printed no memory line"; cat "$dir/profile.txt"; exit 1; }
python3 - "$dir/profile.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rows = j["kernels"]
keys = {(r["name"], r["phase"]) for r in rows}
for want in [("gemm_nt", "forward"), ("gemm_nn", "backward"), ("gemm_tn", "backward"), ("ponet_mixer_forward", "forward"),
             ("ponet_mixer_backward", "backward"), ("adamw_update", "optimizer")]:
    assert want in keys, f"no row {want} in {sorted(keys)}"
total = sum(r["percent_of_step"] for r in rows)
assert abs(total - 100) < 1e-6, f"% of step sums to {total}"
assert rows[-1]["name"].startswith("other"), rows[-1]
assert all(r["calls"] > 0 and r["ms"] >= 0 for r in rows[:-1])
assert j["steps"] == 1 and j["threads"] == 1 and j["allocator_peak_bytes"] > 0 and j["peak_rss_bytes"] > 0
assert j["machine"]["bandwidth_bytes_per_s"] > 0 and j["machine"]["peak_flops_per_s"] > 0
assert any(n["name"] == "linear" for n in j["backward_nodes"])
PY
"$ponet" profile --config "$dir/model.json" --batch 2 --steps 1 > "$dir/profile.txt"   # CLS/SEP segments
grep -q "batch 2 x length 32" "$dir/profile.txt" || { echo "profile --config: wrong size"; cat "$dir/profile.txt"; exit 1; }
# a pretraining config without vocab_size profiles the vocabulary `ponet pretrain` trains (4000), not 30522
grep -q "vocab 8000," "$dir/profile.txt" || { echo "profile --config: not the trainer's vocabulary"; cat "$dir/profile.txt"; exit 1; }
"$ponet" profile --config "$dir/model.json" --vocab-size 60 --batch 2 --steps 1 > "$dir/profile.txt"
grep -q "vocab 60," "$dir/profile.txt" || { echo "profile --vocab-size ignored"; cat "$dir/profile.txt"; exit 1; }
"$ponet" profile --run "$dir/run" --batch 2 --steps 1 > "$dir/profile.txt"
grep -q "other (host work" "$dir/profile.txt" || { echo "profile --run: no table"; cat "$dir/profile.txt"; exit 1; }
grep -q "vocab 60," "$dir/profile.txt" || { echo "profile --run: not the run's vocabulary"; cat "$dir/profile.txt"; exit 1; }
expect_fail 2 "$ponet" profile --steps abc
expect_fail 2 "$ponet" profile --no-such-option
expect_fail 2 "$ponet" profile --config "$dir/model.json" --run "$dir/run"
expect_fail 1 "$ponet" profile --batch 0
expect_fail 1 "$ponet" profile --steps 0
expect_fail 1 "$ponet" profile --config "$dir/model.json" --length 64      # longer than its 32 positions
expect_fail 1 "$ponet" profile --config "$dir/lra/config.json"              # an LRA model, not PoNet pretraining
expect_fail 1 "$ponet" profile --length 64 --json "$dir/missing/p.json"
if ! command -v nvidia-smi > /dev/null; then
  expect_fail 1 "$ponet" profile --device cuda
  grep -q "no CUDA device" "$dir/err.txt" || { echo "profile --device cuda: unclear error"; cat "$dir/err.txt"; exit 1; }
fi

echo "garbage" > "$dir/run/checkpoint.safetensors"
expect_fail 1 "$ponet" eval --run "$dir/run"
echo "cli_smoke: all checks passed"
