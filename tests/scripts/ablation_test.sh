#!/usr/bin/env bash
# ctest `ablation_script`: scripts/studies/ablation_study.py on made-up runs whose mean, std and paired t
# are known by hand, its refusal of a missing run, then scripts/ablation.sh end to end with two-step
# runs on a tiny corpus and tiny labelled files (the pipeline, not the figures).
#   tests/scripts/ablation_test.sh path/to/ponet
set -euo pipefail
ponet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "ablation_test FAILED: $*" >&2; exit 1; }

# three seeds; fine-tuned test accuracy (%): full 30 32 34, no_smp 29 30 31, MLM alone 30 32 34;
# held-out MLM accuracy (%): full 40 41 42, no_smp 38 40 42, MLM alone 41 42 43
python3 - "$dir/made_up" <<'PY'
import json, os, sys
d = sys.argv[1]
test = {"full-mlm+sso": [30, 32, 34], "no_smp-mlm+sso": [29, 30, 31], "full-mlm": [30, 32, 34]}
mlm = {"full-mlm+sso": [40, 41, 42], "no_smp-mlm+sso": [38, 40, 42], "full-mlm": [41, 42, 43]}
for cell in test:
    for s in range(3):
        ft, pt = os.path.join(d, f"finetune-{cell}-s{s}"), os.path.join(d, f"pretrain-{cell}-s{s}")
        os.makedirs(ft)
        os.makedirs(pt)
        json.dump({"test_accuracy": test[cell][s] / 100, "test_macro_f1": 0.25}, open(f"{ft}/results.json", "w"))
        evals = {"kind": "eval", "step": 10, "mlm_accuracy": mlm[cell][s] / 100}
        if cell.endswith("mlm+sso"):
            evals["sso_accuracy"] = 0.5
        with open(f"{pt}/log.jsonl", "w") as f:
            f.write(json.dumps({"kind": "eval", "step": 5, "mlm_accuracy": 0.01}) + "\n")  # not the last
            f.write(json.dumps(evals) + "\n")
PY
cells=(full:mlm+sso no_smp:mlm+sso full:mlm)
out=$(python3 scripts/studies/ablation_study.py --runs "$dir/made_up" --seeds 0 1 2 --cells "${cells[@]}")
echo "$out"
expect_line() { grep -qF -- "$1" <<<"$out" || fail "no line '$1'"; }
expect_line "| PoNet, MLM + SSO | 30.00 | 32.00 | 34.00 | 32.00 +- 2.00 | 25.00 | 41.00 +- 1.00 | SSO 50.00 |"
expect_line "| w/o SMP, MLM + SSO | 29.00 | 30.00 | 31.00 | 30.00 +- 1.00 | 25.00 | 40.00 +- 2.00 | SSO 50.00 |"
expect_line "| PoNet, MLM | 30.00 | 32.00 | 34.00 | 32.00 +- 2.00 | 25.00 | 42.00 +- 1.00 | - |"
# test accuracy, no_smp - full: -1 -2 -3, mean -2, std 1, t = -2 / (1 / sqrt 3) = -3.46, p = 0.074
expect_line "| w/o SMP, MLM + SSO | -1.00 | -2.00 | -3.00 | -2.00 +- 1.00 | -3.46 | 0.074 | no significant difference |"
expect_line "| PoNet, MLM | +0.00 | +0.00 | +0.00 | +0.00 +- 0.00 | 0.00 | 1.000 | no significant difference |"
# held-out MLM accuracy, MLM alone - full: +1 +1 +1: a constant difference, t infinite; a p of 0 would
# overstate three seeds, so no verdict
expect_line "| PoNet, MLM | +1.00 | +1.00 | +1.00 | +1.00 +- 0.00 | - | - | the same gap on every seed: no test |"
# one seed: the differences, without a test
out=$(python3 scripts/studies/ablation_study.py --runs "$dir/made_up" --seeds 2 --cells "${cells[@]}")
expect_line "| w/o SMP, MLM + SSO | -3.00 | -3.00 | - | - | one seed: no test |"
rm -rf "$dir/made_up/finetune-no_smp-mlm+sso-s2"
if python3 scripts/studies/ablation_study.py --runs "$dir/made_up" --seeds 0 1 2 --cells "${cells[@]}" 2> "$dir/err"; then
  fail "a missing run was not refused"
fi
grep -q "missing .*finetune-no_smp-mlm+sso-s2/results.json" "$dir/err" || fail "the missing run is not named"
if python3 scripts/studies/ablation_study.py --runs "$dir/made_up" --cells full:mlm+sso no_xy:mlm 2> "$dir/err"; then
  fail "a bad cell was not refused"
fi
grep -q "bad cell 'no_xy:mlm'" "$dir/err" || fail "the bad cell is not named"

# scripts/ablation.sh end to end: two cells, two seeds, two steps each
source tests/scripts/lib/tiny_run.sh
write_tiny_corpus "$dir/corpus.txt"
{
  echo -e "label\ttext"
  for i in 1 2 3 4; do echo -e "light\tthe light of day $i"; echo -e "dark\tthe dark of night $i"; done
} > "$dir/ft.tsv"
PONET="$ponet" OUT="$dir/runs" CELLS="full:mlm+sso no_lmp:mlm+nsp" STEPS=2 FT_STEPS=2 JOBS=1 \
  PRETRAIN_ARGS="--corpus $dir/corpus.txt --vocab-size 60 --max-len 32 --batch-size 4 --eval-every 2 --eval-batches 1 --held-out 0.2" \
  FINETUNE_ARGS="--train $dir/ft.tsv --dev $dir/ft.tsv --test $dir/ft.tsv" \
  scripts/ablation.sh 0 1 > "$dir/ablation.out" 2>&1 || { cat "$dir/ablation.out"; fail "scripts/ablation.sh failed"; }
grep -q '"ponet_branches"' "$dir/runs/pretrain-no_lmp-mlm+nsp-s1/config.json" || fail "no_lmp did not remove LMP"
grep -q '"objective": "mlm+nsp"' "$dir/runs/pretrain-no_lmp-mlm+nsp-s1/run.json" || fail "the cell's objective is not used"
if grep -q '"ponet_branches"' "$dir/runs/pretrain-full-mlm+sso-s0/config.json"; then fail "full PoNet removes a branch"; fi
for row in "| PoNet, MLM + SSO |" "| w/o LMP, MLM + NSP |"; do
  grep -qF -- "$row" "$dir/runs/results.md" || { cat "$dir/ablation.out"; fail "results.md has no row '$row'"; }
done
[ "$(grep -c "Paired per-seed differences" "$dir/runs/results.md")" -eq 2 ] || fail "results.md lacks the paired tables"
echo "ablation_test: ok"
