#!/usr/bin/env bash
# The paper's ablation (Tan et al., ICLR 2022, Table 5) on our corpus: PoNet without GA, SMP or LMP
# ("ponet_branches", docs/models.md) and PoNet pretrained with MLM + NSP or MLM alone (--objective,
# docs/pretraining.md), against full PoNet with MLM + SSO. Every cell is pretrained as `ponet pretrain`
# does by default (apps/configs/tiny.json, the default corpus) and then fine-tuned on the built-in KJV
# division task with scripts/finetune.sh's budget, for each seed (the same seed for both); the study
# (scripts/studies/ablation_study.py) prints mean +- std per cell and the paired per-seed differences
# against full PoNet with a paired t-test, into OUT/results.md.
#   scripts/ablation.sh [seeds...]                  default seeds: 0 1 2
# Environment:
#   CELLS    VARIANT:OBJECTIVE pairs, variants full no_ga no_smp no_lmp, objectives mlm+sso mlm+nsp mlm;
#            the first is the baseline (default: the paper's six rows, "full:mlm+sso no_ga:mlm+sso
#            no_smp:mlm+sso no_lmp:mlm+sso full:mlm+nsp full:mlm")
#   STEPS    pretraining steps (default 3200 with 100 warmup, the main job's; warmup STEPS / 10 below
#            1000); FT_STEPS fine-tuning steps (default 600, warmup a tenth)
#   JOBS     runs at once (default 2); THREADS per run (default 1: bit-reproducible for a seed)
#   OUT      where the runs go (default runs/ablation); PONET the binary (default build/ponet)
#   PRETRAIN_ARGS, FINETUNE_ARGS  extra options for each command (e.g. --corpus; --train/--dev/--test)
# Finished runs with the same step counts are kept, so the script can be re-run or extended.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
read -r -a cells <<<"${CELLS:-full:mlm+sso no_ga:mlm+sso no_smp:mlm+sso no_lmp:mlm+sso full:mlm+nsp full:mlm}"
steps=${STEPS:-3200}
warmup=$(( steps >= 1000 ? 100 : steps / 10 ))  # the main job's 100, less for short runs
ft_steps=${FT_STEPS:-600}
jobs=${JOBS:-2}
threads=${THREADS:-1}
out=${OUT:-runs/ablation}
ponet=${PONET:-build/ponet}
[ -x "$ponet" ] || scripts/setup.sh
mkdir -p "$out"

# one model config per variant: tiny.json with the branches it keeps
for cell in "${cells[@]}"; do
  variant=${cell%%:*}
  python3 - "$variant" "$out/config-$variant.json" <<'PY'
import json, sys
kept = {"full": None, "no_ga": ["smp", "lmp"], "no_smp": ["ga", "lmp"], "no_lmp": ["ga", "smp"]}
variant, path = sys.argv[1], sys.argv[2]
if variant not in kept:
    sys.exit(f"ablation.sh: unknown variant '{variant}' (full, no_ga, no_smp, no_lmp)")
c = json.load(open("apps/configs/tiny.json"))
if kept[variant]:
    c["ponet_branches"] = kept[variant]
json.dump(c, open(path, "w"), indent=2)
PY
done

pretrain_one() {
  read -r cell seed <<<"$1"
  local variant=${cell%%:*} objective=${cell#*:} dir="$out/pretrain-${cell/:/-}-s$seed"
  [ "$(cat "$dir/done" 2>/dev/null)" = "steps $steps" ] && return 0
  rm -rf "$dir" "$out/finetune-${cell/:/-}-s$seed"  # a new pretraining makes its fine-tuning stale
  # shellcheck disable=SC2086  # the extra arguments are words
  "$ponet" pretrain --config "$out/config-$variant.json" --objective "$objective" --steps "$steps" \
    --warmup "$warmup" --seed "$seed" --threads "$threads" --out "$dir" --quiet ${PRETRAIN_ARGS:-} > "$dir.txt" 2>&1 ||
    { echo "ablation.sh: pretraining $cell seed $seed failed (see $dir.txt)"; return 1; }
  echo "steps $steps" > "$dir/done"
  echo "pretrained $cell seed $seed"
}
finetune_one() {
  read -r cell seed <<<"$1"
  local dir="$out/finetune-${cell/:/-}-s$seed"
  [ "$(cat "$dir/done" 2>/dev/null)" = "steps $ft_steps" ] && return 0
  rm -rf "$dir"
  # scripts/finetune.sh's budget, from this cell's pretraining
  # shellcheck disable=SC2086
  "$ponet" finetune --init "$out/pretrain-${cell/:/-}-s$seed" --out "$dir" --steps "$ft_steps" \
    --warmup $((ft_steps / 10)) --eval-every 100 --lr 0.0005 --batch-size 32 --max-len 128 --seed "$seed" \
    --threads "$threads" --quiet ${FINETUNE_ARGS:-} > "$dir.txt" 2>&1 ||
    { echo "ablation.sh: fine-tuning $cell seed $seed failed (see $dir.txt)"; return 1; }
  echo "steps $ft_steps" > "$dir/done"
  echo "fine-tuned $cell seed $seed"
}
export -f pretrain_one finetune_one
export out steps warmup ft_steps threads ponet PRETRAIN_ARGS FINETUNE_ARGS

for stage in pretrain_one finetune_one; do
  for cell in "${cells[@]}"; do for seed in "${seeds[@]}"; do echo "$cell $seed"; done; done |
    xargs -P "$jobs" -I{} bash -c "$stage \"\$@\"" _ {}
done
python3 scripts/studies/ablation_study.py --runs "$out" --seeds "${seeds[@]}" --cells "${cells[@]}" |
  tee "$out/results.md"
