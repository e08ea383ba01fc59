#!/usr/bin/env bash
# `ponet lra image` and `ponet lra pathfinder` end to end on tiny data: each mixer for a few steps,
# --branches, results.json and config.json; Pathfinder's --make-data (same seed, same bytes) and --data;
# and the errors of bad data files (named, exit 1, no run directory left). ListOps with --self-pretrain:
# phase 1 in OUT/self_pretrain, its reuse by a rerun, and bad step counts. Run by ctest as `lra_tasks`.
set -euo pipefail
ponet=$(realpath "$1")  # absolute: one run below starts in another directory
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "lra_tasks: $*"; exit 1; }
expect_fail() {  # expected exit code, expected text of the error, then the command
  local want=$1 text=$2 got=0
  shift 2
  "$@" > /dev/null 2> "$dir/err.txt" || got=$?
  [ "$got" -eq "$want" ] || { cat "$dir/err.txt"; fail "expected exit $want from: $*; got $got"; }
  grep -qF -- "$text" "$dir/err.txt" || { cat "$dir/err.txt"; fail "the error of '$*' does not say: $text"; }
}
# check_results RUN TASK MIXER CLASSES: results.json and config.json of a finished run
check_results() {
  python3 - "$@" <<'PY' || fail "bad results in $1"
import json, sys
run, task, mixer, classes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
r = json.load(open(f"{run}/results.json"))
c = json.load(open(f"{run}/config.json"))
assert r["task"] == task and r["mixer"] == mixer, r
assert 0 <= r["test_accuracy"] <= 1 and 0 <= r["best_dev_accuracy"] <= 1, r
assert r["steps"] == 3, r["steps"]
assert "self_pretrain" not in r and r["total_steps"] == 3 and r["total_seconds"] == r["seconds"], r
assert c["attn_type"] == mixer and c["num_classes"] == classes and c["vocab_size"] >= 257, c
PY
}

# Image: a tiny IDX set (MNIST layout, gzip): 40 training images of 28 x 28 (36 train + 4 dev), 8 test
python3 - "$dir/idx" <<'PY'
import gzip, os, struct, sys
d = sys.argv[1]
os.makedirs(d)
def write(name, dims, data):
    with gzip.open(os.path.join(d, name + ".gz"), "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", n) for n in dims) + bytes(data))
for prefix, n in (("train", 40), ("t10k", 8)):
    labels = [i % 10 for i in range(n)]
    pixels = [(30 * labels[i] + p) % 256 for i in range(n) for p in range(784)]
    write(f"{prefix}-images-idx3-ubyte", (n, 28, 28), pixels)
    write(f"{prefix}-labels-idx1-ubyte", (n,), labels)
PY
tiny=(--steps 3 --batch 4 --eval-every 3 --threads 1 --quiet)
for mixer in ponet softmax fnet; do
  "$ponet" lra image --data-dir "$dir/idx" --mixer "$mixer" "${tiny[@]}" --train 36 --dev 4 --test 8 --out "$dir/image-$mixer" > "$dir/out.txt"
  grep -q "^Image $mixer (cpu preset, seed 0): .* test accuracy" "$dir/out.txt" || { cat "$dir/out.txt"; fail "image $mixer printed no test accuracy"; }
  check_results "$dir/image-$mixer" image "$mixer" 10
done
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["examples"]==[36,4,8] and r["recipe"]["segment_num"]==24 and r["recipe"]["pad_to"]==784, r' \
  "$dir/image-ponet/results.json" || fail "image: the preset's sizes are not in results.json"
"$ponet" lra image --data-dir "$dir/idx" --mixer ponet --branches smp,lmp "${tiny[@]}" --train 8 --dev 2 --test 4 --out "$dir/image-ab" > /dev/null
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["recipe"]["branches"]==["smp","lmp"] and r["examples"]==[8,2,4], r' \
  "$dir/image-ab/results.json" || fail "image: --branches or --train not applied"
# the installed Fashion-MNIST (Debian dataset-fashion-mnist), when it is there
if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  "$ponet" lra image --mixer fnet "${tiny[@]}" --train 16 --dev 8 --test 8 --out "$dir/image-fmnist" > /dev/null
  check_results "$dir/image-fmnist" image fnet 10
fi
# bad image data: a missing file, a bad magic number, a truncated file, mismatched counts
expect_fail 1 "10000 training examples requested, the split has 36" \
  "$ponet" lra image --data-dir "$dir/idx" "${tiny[@]}" --out "$dir/bad"   # the cpu preset's sizes
expect_fail 1 "missing IDX file: neither '$dir/none/train-images-idx3-ubyte.gz'" \
  "$ponet" lra image --data-dir "$dir/none" "${tiny[@]}" --train 4 --dev 4 --test 4 --out "$dir/bad"
cp -r "$dir/idx" "$dir/idx_bad"
cp "$dir/idx/train-labels-idx1-ubyte.gz" "$dir/idx_bad/train-images-idx3-ubyte.gz"
expect_fail 1 "$dir/idx_bad/train-images-idx3-ubyte.gz: bad magic number 0x00000801, expected 0x00000803" \
  "$ponet" lra image --data-dir "$dir/idx_bad" "${tiny[@]}" --train 4 --dev 4 --test 4 --out "$dir/bad"
zcat "$dir/idx/train-images-idx3-ubyte.gz" | head -c 5000 > "$dir/idx_bad/train-images-idx3-ubyte"
rm "$dir/idx_bad/train-images-idx3-ubyte.gz"   # the raw file is read when there is no .gz
expect_fail 1 "$dir/idx_bad/train-images-idx3-ubyte: truncated: the header promises 40 x 28 x 28 = 31360 bytes of data, the file has 4984" \
  "$ponet" lra image --data-dir "$dir/idx_bad" "${tiny[@]}" --train 4 --dev 4 --test 4 --out "$dir/bad"
zcat "$dir/idx/t10k-images-idx3-ubyte.gz" > "$dir/idx_bad/train-images-idx3-ubyte"
expect_fail 1 "image/label count mismatch: $dir/idx_bad/train-images-idx3-ubyte has 8 images" \
  "$ponet" lra image --data-dir "$dir/idx_bad" "${tiny[@]}" --train 4 --dev 4 --test 4 --out "$dir/bad"
expect_fail 1 "60 training examples requested, the split has 36" \
  "$ponet" lra image --data-dir "$dir/idx" "${tiny[@]}" --train 60 --out "$dir/bad"
expect_fail 2 "unknown option --make-data" "$ponet" lra image --make-data "$dir/bad"
[ ! -e "$dir/bad" ] || fail "a rejected run left its run directory"

# Pathfinder: --make-data twice with one seed gives the same files, another seed others
"$ponet" lra pathfinder --make-data "$dir/pf" --size 40 --data-seed 3 > "$dir/out.txt"
grep -q "wrote 32 / 4 / 4 images" "$dir/out.txt" || { cat "$dir/out.txt"; fail "pathfinder --size 40 is not split 80/10/10"; }
"$ponet" lra pathfinder --make-data "$dir/pf2" --size 40 --data-seed 3 > /dev/null
"$ponet" lra pathfinder --make-data "$dir/pf3" --size 40 --data-seed 4 > /dev/null
for s in train dev test; do
  cmp -s "$dir/pf/pathfinder_$s.tsv" "$dir/pf2/pathfinder_$s.tsv" || fail "pathfinder: the same seed gave other $s bytes"
done
if cmp -s "$dir/pf/pathfinder_train.tsv" "$dir/pf3/pathfinder_train.tsv"; then fail "pathfinder: another seed gave the same images"; fi
[ "$(tail -n +2 "$dir/pf/pathfinder_train.tsv" | cut -f1 | grep -c 1)" -eq 16 ] || fail "pathfinder: training labels not balanced"
for mixer in ponet softmax fnet; do
  "$ponet" lra pathfinder --data "$dir/pf" --mixer "$mixer" "${tiny[@]}" --out "$dir/pf-$mixer" > "$dir/out.txt"
  grep -q "^Pathfinder $mixer (cpu preset, seed 0): .* test accuracy" "$dir/out.txt" || { cat "$dir/out.txt"; fail "pathfinder $mixer printed no test accuracy"; }
  check_results "$dir/pf-$mixer" pathfinder "$mixer" 2
done
# generated in memory (no files) and --branches
"$ponet" lra pathfinder --mixer ponet --branches ga,lmp --train 8 --dev 4 --test 4 --dashes 6 "${tiny[@]}" --out "$dir/pf-ab" > /dev/null
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["recipe"]["branches"]==["ga","lmp"] and r["dashes"]==6 and r["recipe"]["segment_num"]==1, r' \
  "$dir/pf-ab/results.json" || fail "pathfinder: --branches or --dashes not in results.json"
# bad Pathfinder data: the file and line are named
mkdir "$dir/pf_bad"
cp "$dir/pf"/*.tsv "$dir/pf_bad/"
sed -i '3s/^[01]/7/' "$dir/pf_bad/pathfinder_dev.tsv"
expect_fail 1 "$dir/pf_bad/pathfinder_dev.tsv:3: label \"7\" is not 0 or 1" \
  "$ponet" lra pathfinder --data "$dir/pf_bad" "${tiny[@]}" --out "$dir/bad"
rm "$dir/pf_bad/pathfinder_dev.tsv"
expect_fail 1 "cannot open Pathfinder file '$dir/pf_bad/pathfinder_dev.tsv'" \
  "$ponet" lra pathfinder --data "$dir/pf_bad" "${tiny[@]}" --out "$dir/bad"
expect_fail 1 "--dashes must be in 3..20" "$ponet" lra pathfinder --dashes 40 "${tiny[@]}" --out "$dir/bad"
expect_fail 1 "the switches are PoNet's" "$ponet" lra pathfinder --mixer softmax --branches ga "${tiny[@]}" --out "$dir/bad"
expect_fail 1 "unknown LRA task 'cifar' (listops, image, pathfinder)" "$ponet" lra cifar
[ ! -e "$dir/bad" ] || fail "a rejected run left its run directory"

# ListOps with --self-pretrain: masked-token phase 1 in OUT/self_pretrain, then the usual fine-tuning
listops=(--train 32 --dev 8 --test 8 --min-length 10 --max-length 40)
"$ponet" lra listops "${listops[@]}" "${tiny[@]}" --self-pretrain 20 --out "$dir/lo-sp" > "$dir/out.txt"
grep -q "^Self-pretraining (20 masked-token steps on the 32 training sequences, lr 0.0001, mask probability 0.15; trained in" \
  "$dir/out.txt" || { cat "$dir/out.txt"; fail "listops --self-pretrain printed no phase-1 line"; }
grep -q "^ListOps ponet (cpu preset, seed 0): .* test accuracy" "$dir/out.txt" || { cat "$dir/out.txt"; fail "listops --self-pretrain printed no test accuracy"; }
python3 - "$dir/lo-sp" <<'PY' || fail "listops --self-pretrain: bad run directory"
import json, struct, sys
run = sys.argv[1]
r = json.load(open(f"{run}/results.json"))
p = json.load(open(f"{run}/self_pretrain/results.json"))
sp = r["self_pretrain"]
assert sp == p and sp["steps"] == 20 and sp["lr"] == 0.0001 and sp["mask_prob"] == 0.15, (sp, p)
assert 0 <= sp["final_mlm_accuracy"] <= 1 and 0 < sp["final_mlm_loss"] < 10, sp
assert r["total_steps"] == 23 and abs(r["total_seconds"] - sp["seconds"] - r["seconds"]) < 1e-6, r
# phase 1 evaluates every tenth of its steps on the dev sequences
evals = [json.loads(l) for l in open(f"{run}/self_pretrain/log.jsonl") if '"eval"' in l]
assert [e["step"] for e in evals] == list(range(2, 21, 2)) and evals[-1]["loss"] == sp["final_mlm_loss"], evals
# both phases have room for the mask id (ListOps ids 0..15, mask 16: the official 32 rows hold it)
def header(path):
    with open(path, "rb") as f:
        return json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
h = header(f"{run}/self_pretrain/checkpoint.safetensors")
assert h["__metadata__"]["model"] == "LraForMaskedLM", h["__metadata__"]["model"]
assert h["model.embeddings.word_embeddings.weight"]["shape"] == header(f"{run}/best.safetensors")["model.embeddings.word_embeddings.weight"]["shape"]
assert json.load(open(f"{run}/config.json"))["vocab_size"] == 32
PY
# a rerun reuses the finished phase 1 (says so, leaves its files untouched) and fine-tunes the same way
stamp() { stat -c '%y %s' "$dir/lo-sp/self_pretrain/checkpoint.safetensors" "$dir/lo-sp/self_pretrain/log.jsonl"; }
before=$(stamp)
cp "$dir/lo-sp/best.safetensors" "$dir/best-first.safetensors"
"$ponet" lra listops "${listops[@]}" "${tiny[@]}" --self-pretrain 20 --out "$dir/lo-sp" > "$dir/out.txt"
grep -q "^Self-pretraining (20 masked-token steps .*; reused from $dir/lo-sp/self_pretrain)" "$dir/out.txt" || { cat "$dir/out.txt"; fail "the rerun did not reuse phase 1"; }
[ "$(stamp)" = "$before" ] || fail "the rerun rewrote phase 1's files"
cmp -s "$dir/best-first.safetensors" "$dir/lo-sp/best.safetensors" || fail "fine-tuning from the reused phase 1 differs"
# another step count trains phase 1 again; the default run name says -sp<STEPS>
(cd "$dir" && "$ponet" lra listops "${listops[@]}" "${tiny[@]}" --self-pretrain 4 > out.txt)
grep -q "^Self-pretraining (4 masked-token steps .*trained in" "$dir/out.txt" || { cat "$dir/out.txt"; fail "--self-pretrain 4 printed no phase-1 line"; }
[ -s "$dir/runs/listops-ponet-cpu-sp4-s0/self_pretrain/results.json" ] || fail "the default run name lacks -sp4"
# bad step counts are refused, naming the value, before any run directory exists
expect_fail 1 "--self-pretrain must be a step count >= 0 (0: off), got -3" \
  "$ponet" lra listops "${listops[@]}" "${tiny[@]}" --self-pretrain -3 --out "$dir/bad"
expect_fail 2 "--self-pretrain expects an integer, got 'abc'" \
  "$ponet" lra listops "${listops[@]}" "${tiny[@]}" --self-pretrain abc --out "$dir/bad"
expect_fail 1 "--self-pretrain-lr needs --self-pretrain STEPS > 0" \
  "$ponet" lra listops "${listops[@]}" "${tiny[@]}" --self-pretrain-lr 0.001 --out "$dir/bad"
[ ! -e "$dir/bad" ] || fail "a rejected --self-pretrain run left its run directory"
echo "lra_tasks: ok"
