#!/usr/bin/env bash
# The study scripts' arithmetic (scripts/lib/paired_stats.py against a t table;
# scripts/studies/lra_study.py on made-up runs whose mean, std and paired t are known by hand), and their refusal of a missing run.
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
echo "study scripts: ok"
