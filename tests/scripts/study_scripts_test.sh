#!/usr/bin/env bash
# The study scripts' arithmetic (scripts/lib/paired_stats.py against a t table;
# scripts/studies/lra_study.py and scripts/compare_mixers.py on made-up runs whose mean, std and paired t are
# known by hand), and their refusal of a missing run.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/lib/paired_stats.py
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# three seeds; test accuracy (%): ponet 30 32 34, softmax 29 30 31, fnet 30 32 34
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
acc = {"ponet": [30, 32, 34], "softmax": [29, 30, 31], "fnet": [30, 32, 34]}
for m, v in acc.items():
    for s, a in enumerate(v):
        r = os.path.join(d, f"listops-{m}-cpu-s{s}")
        os.makedirs(r)
        json.dump({"test_accuracy": a / 100, "best_dev_accuracy": a / 100, "majority_test_accuracy": 0.166,
                   "seconds": 60, "recipe": {"schedule": "one_cycle"}}, open(f"{r}/results.json", "w"))
        with open(f"{r}/log.jsonl", "w") as f:
            for step in (100, 200):
                f.write(json.dumps({"kind": "train", "step": step, "loss": 2.0, "grad_norm": 0.5}) + "\n")
                f.write(json.dumps({"kind": "eval", "step": step, "accuracy": a / 100}) + "\n")
PY
out=$(python3 scripts/studies/lra_study.py --runs "$dir" --preset cpu --seeds 0 1 2 --svg "$dir/c.svg")
echo "$out"
# ponet: mean 32, std 2; ponet - softmax: +1 +2 +3, mean 2, std 1, t = 2 / (1 / sqrt 3) = 3.46, p = 0.074
grep -q "| PoNet | 30.00 | 32.00 | 34.00 | 32.00 +- 2.00 |" <<<"$out"
grep -q "| PoNet - softmax | +1.00 | +2.00 | +3.00 | +2.00 +- 1.00 | 3.46 | 0.074 | no significant difference |" <<<"$out"
grep -q "| PoNet - FNet | +0.00 | +0.00 | +0.00 | +0.00 +- 0.00 | 0.00 | 1.000 | no significant difference |" <<<"$out"
grep -q "<polyline" "$dir/c.svg"
# --baseline: the same runs again under preset cpu-sp with ponet +1 +2 +3 points and softmax -2 on every
# seed, compared mixer by mixer against cpu: ponet +2.00 +- 1.00, t 3.46; softmax -2 +- 0, which a t-test
# cannot weigh (zero spread) and the table must not call significant by an infinite t
python3 - "$dir" <<'PY'
import json, os, shutil, sys
d = sys.argv[1]
for m, shift in (("ponet", [1, 2, 3]), ("softmax", [-2, -2, -2]), ("fnet", [0, 0, 0])):
    for s in range(3):
        src, dst = os.path.join(d, f"listops-{m}-cpu-s{s}"), os.path.join(d, f"listops-{m}-cpu-sp-s{s}")
        shutil.copytree(src, dst)
        r = json.load(open(f"{dst}/results.json"))
        r["test_accuracy"] += shift[s] / 100
        json.dump(r, open(f"{dst}/results.json", "w"))
PY
out=$(python3 scripts/studies/lra_study.py --runs "$dir" --preset cpu-sp --baseline cpu --seeds 0 1 2)
echo "$out" | tail -6
grep -q "| PoNet | 32.00 | 34.00 | +1.00 | +2.00 | +3.00 | +2.00 +- 1.00 | 3.46 | 0.074 | no significant difference |" <<<"$out"
grep -q "| softmax attention | 30.00 | 28.00 | -2.00 | -2.00 | -2.00 | -2.00 +- 0.00 | .* |" <<<"$out"
if grep "| softmax attention | 30.00 | 28.00 |" <<<"$out" | grep -q "inf\|behind\|ahead"; then
  echo "FAIL: a zero-spread difference was given a verdict"; exit 1
fi
rm -rf "$dir"/listops-*-cpu-sp-s*
# the same runs under another task's name: --task picks the run directories and the title
for r in "$dir"/listops-*; do cp -r "$r" "$dir/image-${r##*/listops-}"; done
rm -rf "$dir"/listops-ponet-cpu-s0
out=$(python3 scripts/studies/lra_study.py --task image --runs "$dir" --preset cpu --seeds 0 1 2)
grep -q "^Image, preset cpu, seeds 0 1 2;" <<<"$out"
grep -q "| PoNet | 30.00 | 32.00 | 34.00 | 32.00 +- 2.00 |" <<<"$out"
# one seed: no t-test (a zero spread would make t infinite and any gap "significant")
out=$(python3 scripts/studies/lra_study.py --task image --runs "$dir" --preset cpu --seeds 1)
grep -q "| PoNet - softmax | +2.00 | +2.00 | - | - | one seed: no test |" <<<"$out"
if grep -q "inf\|PoNet ahead" <<<"$out"; then echo "FAIL: a one-seed study ran a t-test"; exit 1; fi
rm -rf "$dir/listops-fnet-cpu-s2"
if python3 scripts/studies/lra_study.py --runs "$dir" --preset cpu --seeds 0 1 2 2>"$dir/err"; then
  echo "FAIL: a missing run was not refused"; exit 1
fi
grep -q "missing .*listops-fnet-cpu-s2/results.json" "$dir/err"
# scripts/compare_mixers.py on made-up runs: the sweep on seed 0 picks lr 3e-3 for PoNet and FNet and 1e-3
# for softmax attention; fine-tuned test accuracy (%) ponet 80 82 84, softmax 79 80 81, so PoNet - BERT is
# +1 +2 +3 (mean 2, std 1, t 3.46, p 0.074) and PoNet's mean relative to BERT's 82 / 80 = 102.5 %
cm="$dir/compare"
python3 - "$cm" <<'PY2'
import json, os, sys
d = sys.argv[1]
mlm = {("ponet", "1e-3"): 0.30, ("ponet", "3e-3"): 0.35, ("softmax", "1e-3"): 0.17, ("softmax", "3e-3"): 0.16,
       ("fnet", "1e-3"): 0.29, ("fnet", "3e-3"): 0.31}
best = {"ponet": "3e-3", "softmax": "1e-3", "fnet": "3e-3"}
ft = {"ponet": [80, 82, 84], "softmax": [79, 80, 81], "fnet": [50, 55, 60], "scratch": [78, 78, 79]}
for (m, lr), acc in mlm.items():
    for s in range(3):
        if s and lr != best[m]:
            continue
        r = os.path.join(d, f"pretrain-{m}-lr{lr}-s{s}")
        os.makedirs(r)
        with open(f"{r}/log.jsonl", "w") as f:
            for step in (100, 200):
                f.write(json.dumps({"kind": "eval", "step": step, "mlm_accuracy": acc + s / 100, "sso_accuracy": 0.4,
                                    "mlm_loss": 4.0, "elapsed_s": 10}) + "\n")
for m, v in ft.items():
    for s, a in enumerate(v):
        r = os.path.join(d, f"finetune-{m if m == 'scratch' else m + '-lr' + best[m]}-s{s}")
        os.makedirs(r)
        json.dump({"test_accuracy": a / 100, "test_macro_f1": a / 200, "best_dev_accuracy": a / 100},
                  open(f"{r}/results.json", "w"))
PY2
[ "$(python3 scripts/compare_mixers.py best "$cm" --seeds 0 --lrs 1e-3 3e-3 | tr '\n' ' ')" = "ponet 3e-3 softmax 1e-3 fnet 3e-3 " ]
out=$(python3 scripts/compare_mixers.py report "$cm" --seeds 0 1 2 --lrs 1e-3 3e-3)
echo "$out"
grep -q "| PoNet | 3e-3 | 35.00 | 36.00 | 37.00 | 36.00 +- 1.00 |" <<<"$out"
grep -q "| PoNet | 80.00 | 82.00 | 84.00 | 82.00 +- 2.00 | .* | 102.5 % |" <<<"$out"
grep -q "| PoNet - softmax attention (BERT) | +1.00 | +2.00 | +3.00 | +2.00 +- 1.00 | 3.46 | 0.074 | no significant difference |" <<<"$out"
grep -q "<polyline" "$cm/pretraining-curves.svg"
rm -rf "$cm/finetune-fnet-lr3e-3-s2"
if python3 scripts/compare_mixers.py report "$cm" --seeds 0 1 2 --lrs 1e-3 3e-3 >/dev/null 2>"$dir/err"; then
  echo "FAIL: compare_mixers.py accepted a missing fine-tuning"; exit 1
fi
grep -q "missing .*finetune-fnet-lr3e-3-s2/results.json" "$dir/err"
echo "study scripts: ok"
