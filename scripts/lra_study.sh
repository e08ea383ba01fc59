#!/usr/bin/env bash
# An LRA task (listops, image, pathfinder): PoNet vs softmax attention vs FNet on the same data and
# budget, several seeds, then the study (scripts/studies/lra_study.py): mean +- std of test accuracy per
# mixer, paired per-seed differences with a t-test, and every run's dev curve in one SVG.
#   scripts/lra_study.sh TASK [preset] [seeds...]     default: cpu 0 1 2
#   JOBS=2 scripts/lra_study.sh image cpu 0 1 2       runs JOBS trainings at once, each on THREADS threads
# Every run uses the same thread count (THREADS, default 1): results are bit-reproducible for a seed at a
# fixed thread count, and float sums differ in the last bits between thread counts. Extra arguments for
# `ponet lra` go in LRA_ARGS (e.g. LRA_ARGS="--schedule linear --clip 1") with a run-name suffix in TAG;
# MIXERS="ponet" runs a subset (e.g. for an ablation). PONET (default build/ponet) is the program and RUNS
# (default runs) the folder of the run directories.
#   TAG=-sp LRA_ARGS="--self-pretrain 500 --steps 500" scripts/lra_study.sh listops cpu 0 1 2
# self-pretrains each run for 500 masked-token steps on its training sequences, then fine-tunes 500 steps
# (runs <task>-<mixer>-<preset>-sp-s<seed>; the table adds both phases' steps and seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
task=${1:?usage: scripts/lra_study.sh listops|image|pathfinder [preset] [seeds...]}
shift
preset=${1:-cpu}
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
jobs=${JOBS:-2}
threads=${THREADS:-1}
tag=${TAG:-}
runs=${RUNS:-runs}
ponet=${PONET:-build/ponet}
read -r -a mixers <<<"${MIXERS:-ponet softmax fnet}"
if [ -z "${PONET:-}" ] && [ ! -x build/ponet ]; then scripts/setup.sh; fi
mkdir -p "$runs"
todo=()
for seed in "${seeds[@]}"; do
  for mixer in "${mixers[@]}"; do
    out="$runs/$task-$mixer-$preset$tag-s$seed"
    if [ -s "$out/results.json" ]; then echo "have $out"; continue; fi
    todo+=("$mixer $seed $out")
  done
done
run_one() {
  read -r mixer seed out <<<"$1"
  # shellcheck disable=SC2086
  "$ponet" lra "$task" --mixer "$mixer" --preset "$preset" --seed "$seed" --out "$out" --threads "$threads" \
    --quiet ${LRA_ARGS:-} > "$out.txt" 2>&1 && tail -2 "$out.txt" | head -1
}
export -f run_one
export task preset threads ponet LRA_ARGS
if [ ${#todo[@]} -gt 0 ]; then
  printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
fi
python3 scripts/studies/lra_study.py --task "$task" --runs "$runs" --preset "$preset$tag" --seeds "${seeds[@]}" \
  --mixers "${mixers[@]}" --svg "$runs/$task-$preset$tag-dev-curves.svg"
