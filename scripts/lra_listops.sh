#!/usr/bin/env bash
# LRA ListOps: PoNet vs softmax attention vs FNet, several seeds, then the study; scripts/lra_study.sh
# with the task listops and five seeds by default (its JOBS, THREADS, LRA_ARGS, TAG and MIXERS apply).
#   scripts/lra_listops.sh [preset] [seeds...]        default: cpu 0 1 2 3 4
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-cpu}
shift || true
[ $# -gt 0 ] || set -- 0 1 2 3 4
exec scripts/lra_study.sh listops "$preset" "$@"
