#!/usr/bin/env bash
# Data-parallel test (ctest `distributed`, docs/distributed.md): `mpirun -np 2 ponet ...` must train the
# one-process model. Tiny runs with dropout on:
#   1. pretraining and fine-tuning (from scratch, a tiny TSV), 2 ranks against 1 with the same global
#      batch, 20 steps: every step's loss, gradient norm and learning rate within 1e-5 relative (the
#      gradient norm is what tells a summing all-reduce from an averaging one: AdamW barely sees the
#      difference in the loss), final weights within 1e-5 of max|w|;
#   2. resume across rank counts (2 -> 1 and 1 -> 2) gives the uninterrupted run's log and weights;
#   3. a rank killed with SIGKILL ends the job non-zero within 30 s, the last checkpoint loads;
#   4. one rank with a different --lr, and a batch that does not divide by the ranks: clear errors.
# Without mpirun or in a build without MPI it prints "SKIP: ..." and exits 77 (ctest's SKIP_RETURN_CODE:
# skipped); every failure exits 1.
# Usage: tests/scripts/dist_test.sh path/to/ponet
set -euo pipefail
ponet="$1"
command -v mpirun > /dev/null || { echo "SKIP: no mpirun (scripts/setup.sh installs openmpi-bin)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "dist_test FAILED: $*" >&2; exit 1; }
export OMP_NUM_THREADS=1  # per rank: two ranks on two cores
mpi=(mpirun --allow-run-as-root --oversubscribe -x OMP_NUM_THREADS)

if ! "${mpi[@]}" -np 2 "$ponet" pretrain --help > "$dir/probe.txt" 2>&1; then
  if grep -q "no MPI support" "$dir/probe.txt"; then echo "SKIP: this build has no MPI backend"; exit 77; fi
  cat "$dir/probe.txt"; fail "mpirun -np 2 ponet pretrain --help failed"
fi

source "$(dirname "$0")/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
cat > "$dir/model.json" <<'JSON'
{"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
 "max_position_embeddings": 32, "hidden_dropout_prob": 0.1}
JSON
pre=(--corpus "$dir/corpus.txt" --config "$dir/model.json" --vocab-size 60 --max-len 32 --batch-size 8
     --warmup 2 --steps 20 --log-every 1 --eval-every 10 --eval-batches 2 --checkpoint-every 5 --held-out 0.2)
printf 'label\ttext\n' > "$dir/train.tsv"
for i in $(seq 1 12); do printf 'light\tthe light of day %s\ndark\tthe dark of night %s\n' "$i" "$i"; done >> "$dir/train.tsv"
printf 'light\ta day of light\ndark\ta night so dark\n' > "$dir/dev.tsv"
ft=(--train "$dir/train.tsv" --dev "$dir/dev.tsv" --config "$dir/model.json" --vocab-size 60 --max-len 32
    --batch-size 8 --steps 20 --warmup 2 --eval-every 5 --log-every 1 --quiet)

# compare.py log A B: the same train steps, each step's loss, grad_norm and lr equal within 1e-5 relative
#   (NaN fails); the same eval steps, each of A's eval figures in B within 1e-4.
# compare.py weights A B: the same model tensors (names and sizes), within 1e-5 of max|w| (NaN fails).
cat > "$dir/compare.py" <<'PY'
import array, json, math, struct, sys
def log(path):
    return [json.loads(l) for l in open(path) if l.strip()]
def close(a, b, tol):
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tol * max(abs(a), abs(b), 1e-30)
def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] != "F32" or name.startswith("optimizer."):
            continue
        a = array.array("f")
        a.frombytes(data[t["data_offsets"][0]:t["data_offsets"][1]])
        out[name] = a
    return out
def same_length(what, xs, ys):  # zip() would silently drop the tail of the longer one
    if len(xs) != len(ys):
        sys.exit(f"{what}: {len(xs)} vs {len(ys)} entries")
what, a, b = sys.argv[1:4]
if what == "log":
    ra, rb = log(a), log(b)
    ta = [r for r in ra if r["kind"] == "train"]
    tb = [r for r in rb if r["kind"] == "train"]
    if not ta or [r["step"] for r in ta] != [r["step"] for r in tb]:
        sys.exit(f"train steps differ: {[r['step'] for r in ta]} vs {[r['step'] for r in tb]}")
    same_length("train records", ta, tb)
    worst = {}
    for x, y in zip(ta, tb):
        for k in ("loss", "grad_norm", "lr"):
            if k not in x or k not in y:
                sys.exit(f"step {x['step']}: no {k} in both logs")
            if not close(x[k], y[k], 1e-5):
                sys.exit(f"step {x['step']}: {k} {x[k]!r} vs {y[k]!r}")
            worst[k] = max(worst.get(k, 0.0), abs(x[k] - y[k]) / max(abs(x[k]), 1e-30))
    ea = [r for r in ra if r["kind"] == "eval"]
    eb = [r for r in rb if r["kind"] == "eval"]
    if [r["step"] for r in ea] != [r["step"] for r in eb]:
        sys.exit(f"eval steps differ: {[r['step'] for r in ea]} vs {[r['step'] for r in eb]}")
    same_length("eval records", ea, eb)
    for x, y in zip(ea, eb):
        for k in x:
            if k in ("kind", "step", "elapsed_s"):
                continue
            if k not in y:
                sys.exit(f"eval @ {x['step']}: no {k} in {b}")
            if not close(x[k], y[k], 1e-4):
                sys.exit(f"eval @ {x['step']}: {k} {x[k]!r} vs {y[k]!r}")
    print(f"  {len(ta)} steps, {len(ea)} evals; worst relative difference: "
          + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))
else:
    wa, wb = tensors(a), tensors(b)
    if sorted(wa) != sorted(wb) or not wa:
        sys.exit("the checkpoints hold different tensors")
    big = max(abs(v) for t in wa.values() for v in t)
    diff = 0.0
    for name in wa:
        same_length(name, wa[name], wb[name])
        for x, y in zip(wa[name], wb[name]):
            d = abs(x - y)
            if not math.isfinite(d):
                sys.exit(f"{name}: non-finite weight {x!r} / {y!r}")
            diff = max(diff, d)
    if not math.isfinite(big) or diff > 1e-5 * big:
        sys.exit(f"weights differ by {diff:.3g}, max|w| {big:.3g}")
    print(f"  weights: max difference {diff:.2e}, max|w| {big:.3g}")
PY
compare() { python3 "$dir/compare.py" "$@" || fail "compare $*"; }

echo "1. two ranks equal one process"
"$ponet" pretrain "${pre[@]}" --threads 1 --quiet --out "$dir/p1" > "$dir/p1.txt" 2>&1 ||
  { cat "$dir/p1.txt"; fail "pretraining in one process"; }
"${mpi[@]}" -np 2 "$ponet" pretrain "${pre[@]}" --threads 1 --quiet --out "$dir/p2" > "$dir/p2.txt" 2>&1 ||
  { cat "$dir/p2.txt"; fail "pretraining on 2 ranks"; }
echo " pretraining:"
compare log "$dir/p1/log.jsonl" "$dir/p2/log.jsonl"
compare weights "$dir/p1/checkpoint.safetensors" "$dir/p2/checkpoint.safetensors"
grep -q '"ranks":2' "$dir/p2/log.jsonl" || fail "the 2-rank log has no communication figures"
"$ponet" finetune "${ft[@]}" --threads 1 --out "$dir/f1" > "$dir/f1.txt" 2>&1 ||
  { cat "$dir/f1.txt"; fail "fine-tuning in one process"; }
"${mpi[@]}" -np 2 "$ponet" finetune "${ft[@]}" --threads 1 --out "$dir/f2" > "$dir/f2.txt" 2>&1 ||
  { cat "$dir/f2.txt"; fail "fine-tuning on 2 ranks"; }
echo " fine-tuning:"
compare log "$dir/f1/log.jsonl" "$dir/f2/log.jsonl"
compare weights "$dir/f1/checkpoint.safetensors" "$dir/f2/checkpoint.safetensors"

# ponet lra reads best.safetensors back after training: rank 1 must find what rank 0 wrote
"${mpi[@]}" -np 2 "$ponet" lra listops --min-length 20 --max-length 64 --train 64 --dev 16 --test 16 --steps 4 \
  --threads 1 --quiet --out "$dir/lra" > "$dir/lra.txt" 2>&1 || { cat "$dir/lra.txt"; fail "ponet lra on 2 ranks"; }
echo " lra: trains and tests on 2 ranks"

echo "2. resume across rank counts"
"${mpi[@]}" -np 2 "$ponet" pretrain "${pre[@]}" --threads 1 --quiet --out "$dir/r21" --stop-after 10 > /dev/null 2>&1 ||
  fail "2 ranks, the first 10 steps"
"$ponet" pretrain --resume --out "$dir/r21" --threads 1 --quiet > /dev/null 2>&1 || fail "resuming in one process"
echo " 2 -> 1:"
compare log "$dir/p1/log.jsonl" "$dir/r21/log.jsonl"
compare weights "$dir/p1/checkpoint.safetensors" "$dir/r21/checkpoint.safetensors"
"$ponet" pretrain "${pre[@]}" --threads 1 --quiet --out "$dir/r12" --stop-after 10 > /dev/null 2>&1 ||
  fail "one process, the first 10 steps"
"${mpi[@]}" -np 2 "$ponet" pretrain --resume --out "$dir/r12" --threads 1 --quiet > /dev/null 2>&1 ||
  fail "resuming on 2 ranks"
echo " 1 -> 2:"
compare log "$dir/p1/log.jsonl" "$dir/r12/log.jsonl"
compare weights "$dir/p1/checkpoint.safetensors" "$dir/r12/checkpoint.safetensors"

echo "3. a killed rank ends the job"
"${mpi[@]}" -np 2 "$ponet" pretrain "${pre[@]}" --steps 100000 --checkpoint-every 20 --log-every 20 --threads 1 \
  --quiet --out "$dir/kill" > "$dir/kill.txt" 2>&1 &
job=$!
for _ in $(seq 1 100); do [ -s "$dir/kill/checkpoint.safetensors" ] && break; sleep 0.1; done
[ -s "$dir/kill/checkpoint.safetensors" ] || fail "no checkpoint within 10 s"
victim=$(pgrep -P "$job" | tail -1 || true)  # a rank: a child of this mpirun (by pid, never by name)
[ -n "$victim" ] || fail "found no rank process under mpirun $job"
start=$(date +%s)
kill -KILL "$victim"
for _ in $(seq 1 300); do kill -0 "$job" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$job" 2> /dev/null; then kill -KILL "$job"; fail "the job still ran 30 s after a rank was killed"; fi
rc=0; wait "$job" || rc=$?
[ "$rc" -ne 0 ] || fail "the job exited 0 after a rank was killed"
"$ponet" eval --run "$dir/kill" > /dev/null || fail "the last checkpoint of the killed job does not load"
echo "  exit $rc after $(( $(date +%s) - start )) s; the checkpoint loads"

echo "4. disagreeing ranks and bad batch sizes"
rc=0
"${mpi[@]}" -np 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then extra="--lr 0.002"; fi; exec "$@" $extra' _ \
  "$ponet" pretrain "${pre[@]}" --threads 1 --quiet --out "$dir/mismatch" > "$dir/mismatch.txt" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "ranks with different --lr trained"
grep -q "do not run the same job" "$dir/mismatch.txt" || { cat "$dir/mismatch.txt"; fail "no clear mismatch error"; }
grep -m1 "do not run the same job" "$dir/mismatch.txt" | sed 's/^/  /'
rc=0
"${mpi[@]}" -np 2 "$ponet" pretrain "${pre[@]}" --batch-size 7 --threads 1 --quiet --out "$dir/odd" \
  > "$dir/odd.txt" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && grep -q "must divide by the number of ranks 2" "$dir/odd.txt" ||
  { cat "$dir/odd.txt"; fail "--batch-size 7 on 2 ranks: no clear error"; }
grep -m1 "must divide" "$dir/odd.txt" | sed 's/^/  /'
echo "dist_test: all passed"
