#!/usr/bin/env bash
# The main job: set up, build, then pretrain a tiny PoNet on the King James Bible (MLM + SSO) and print
# sample [MASK] predictions. Extra arguments go to `ponet pretrain` (see `build/ponet pretrain --help`).
# A finished run in runs/kjv-tiny is kept: pass --out DIR for a new one, or --resume to continue.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/ponet pretrain --precision auto "$@"
