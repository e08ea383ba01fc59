#!/usr/bin/env bash
# LRA ListOps: PoNet vs softmax attention vs FNet on the same budget, several seeds, then a table of the
# test accuracies (results.json of every run). Usage: scripts/lra_listops.sh [preset] [seeds...]
#   scripts/lra_listops.sh cpu 0 1      # the CPU preset, seeds 0 and 1 (about 10 minutes per run on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-cpu}
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1)
[ -x build/ponet ] || scripts/setup.sh
for seed in "${seeds[@]}"; do
  for mixer in ponet softmax fnet; do
    out="runs/listops-$mixer-$preset-s$seed"
    if [ -s "$out/results.json" ]; then echo "have $out"; continue; fi
    build/ponet lra listops --mixer "$mixer" --preset "$preset" --seed "$seed" --out "$out" --quiet
  done
done
python3 - "$preset" "${seeds[@]}" <<'PY'
import json, sys
preset, seeds = sys.argv[1], sys.argv[2:]
print(f"\n| mixer | " + " | ".join(f"seed {s} test acc" for s in seeds) + " | mean | best dev (mean) | majority class |")
print("|---|" + "---|" * (len(seeds) + 3))
for mixer in ("ponet", "softmax", "fnet"):
    rs = [json.load(open(f"runs/listops-{mixer}-{preset}-s{s}/results.json")) for s in seeds]
    test = [100 * r["test_accuracy"] for r in rs]
    dev = sum(100 * r["best_dev_accuracy"] for r in rs) / len(rs)
    print(f"| {mixer} | " + " | ".join(f"{t:.2f}" for t in test) +
          f" | {sum(test) / len(test):.2f} | {dev:.2f} | {100 * rs[0]['majority_test_accuracy']:.2f} |")
PY
