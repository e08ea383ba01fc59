#!/usr/bin/env bash
# ctest `lra_study_script`: scripts/lra_study.sh end to end on Pathfinder with two-step runs on a few
# generated images (the pipeline, not the figures): three mixers x two seeds, then the table, whose means
# and stds are recomputed here from the runs' results.json; then a self-pretraining study (TAG=-sp).
set -euo pipefail
ponet="$1"
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "lra_study_script: $*"; exit 1; }
PONET="$ponet" RUNS="$dir" JOBS=2 LRA_ARGS="--train 8 --dev 4 --test 4 --dashes 6 --steps 2 --batch 4 --eval-every 2" \
  scripts/lra_study.sh pathfinder cpu 0 1 > "$dir/study.out" 2>&1 || { cat "$dir/study.out"; fail "scripts/lra_study.sh failed"; }
cat "$dir/study.out"
grep -q "^Pathfinder, preset cpu, seeds 0 1;" "$dir/study.out" || fail "no table header"
[ -s "$dir/pathfinder-cpu-dev-curves.svg" ] || fail "no dev-curve SVG"
python3 - "$dir" <<'PY' || fail "the table does not match the runs"
import json, statistics, sys
d = sys.argv[1]
out = open(f"{d}/study.out").read()
for mixer, name in (("ponet", "PoNet"), ("softmax", "softmax attention"), ("fnet", "FNet")):
    acc = [100 * json.load(open(f"{d}/pathfinder-{mixer}-cpu-s{s}/results.json"))["test_accuracy"] for s in (0, 1)]
    row = f"| {name} | {acc[0]:.2f} | {acc[1]:.2f} | {statistics.mean(acc):.2f} +- {statistics.stdev(acc):.2f} |"
    assert row in out, (row, out)
PY
# a second call finds the runs and only prints the table again
PONET="$ponet" RUNS="$dir" LRA_ARGS="--train 8" scripts/lra_study.sh pathfinder cpu 0 1 > "$dir/again.out" 2>&1
[ "$(grep -c '^have ' "$dir/again.out")" -eq 6 ] || { cat "$dir/again.out"; fail "finished runs were not reused"; }
# a self-pretraining study (TAG, LRA_ARGS as scripts/lra_study.sh's header shows): the table adds both phases
PONET="$ponet" RUNS="$dir" MIXERS="ponet fnet" TAG=-sp \
  LRA_ARGS="--train 8 --dev 4 --test 4 --dashes 6 --steps 2 --batch 4 --eval-every 2 --self-pretrain 2" \
  scripts/lra_study.sh pathfinder cpu 0 1 > "$dir/sp.out" 2>&1 || { cat "$dir/sp.out"; fail "the self-pretraining study failed"; }
grep -q "^Pathfinder, preset cpu-sp, seeds 0 1;" "$dir/sp.out" || { cat "$dir/sp.out"; fail "no self-pretraining table"; }
python3 - "$dir" <<'PY' || fail "the self-pretraining budget does not match the runs"
import json, statistics, sys
d = sys.argv[1]
out = open(f"{d}/sp.out").read()
for mixer, name in (("ponet", "PoNet"), ("fnet", "FNet")):
    rs = [json.load(open(f"{d}/pathfinder-{mixer}-cpu-sp-s{s}/results.json")) for s in (0, 1)]
    assert all(r["self_pretrain"]["steps"] == 2 and r["total_steps"] == 4 for r in rs), rs
    mlm = statistics.mean(100 * r["self_pretrain"]["final_mlm_accuracy"] for r in rs)
    row = f"| {name} | 2 | 2 | 4 | {mlm:.2f} |"
    assert row in out, (row, out)
PY
echo "lra_study_script: ok"
