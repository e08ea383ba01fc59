#!/usr/bin/env bash
# ctest `cli_options`: the options several `ponet` commands share behave as one. Every command with
# --device refuses a device it cannot use with the same message; pretrain, finetune and lra describe the
# trainer options alike and refuse a bad --schedule; the default model of pretrain and of finetune from
# scratch is apps/configs/tiny.json as the file says it; --out makes missing parents and names a path it
# cannot make.  Usage: tests/scripts/cli_options_test.sh path/to/ponet
set -euo pipefail
ponet="$1"
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "cli_options_test FAILED: $*" >&2; exit 1; }
source "$here/tests/scripts/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
printf 'label\ttext\nlight\tthe light of day\ndark\tthe dark of night\n' > "$dir/ft.tsv"

# expect CODE PATTERN command...: the exit code, and PATTERN (grep -E) in the error
expect() {
  local want=$1 pattern=$2 got=0
  shift 2
  "$@" > /dev/null 2> "$dir/err.txt" || got=$?
  [ "$got" -eq "$want" ] || { cat "$dir/err.txt"; fail "expected exit $want from: $*; got $got"; }
  grep -Eq -e "$pattern" "$dir/err.txt" || { cat "$dir/err.txt"; fail "no '$pattern' in the error of: $*"; }
}
# the arguments each command needs to reach its --device check
declare -A needs=(
  [pretrain]="--out $dir/none" [finetune]="--train $dir/ft.tsv --dev $dir/ft.tsv --out $dir/none"
  [lra]="listops --out $dir/none" [eval]="" [predict]="x" [classify]="x" [profile]=""
)
for command in "${!needs[@]}"; do
  # shellcheck disable=SC2086  # the arguments are words
  "$ponet" $command --help | grep -A1 -e "--device VALUE  (default: cpu)" | grep -q "cpu, cuda or cuda:N" ||
    fail "$command: --device is not the shared option"
  # shellcheck disable=SC2086
  expect 1 "unknown device 'tpu'" "$ponet" $command ${needs[$command]} --device tpu
  # shellcheck disable=SC2086
  expect 1 "--tf32 applies to CUDA GEMMs, but --device is cpu" "$ponet" $command ${needs[$command]} --tf32
  if ! command -v nvidia-smi > /dev/null; then
    # shellcheck disable=SC2086
    expect 1 "^ponet $command: error: --device cuda: no CUDA device is available" "$ponet" $command ${needs[$command]} --device cuda
  fi
done
[ ! -e "$dir/none" ] || fail "a refused command left $dir/none behind"

# the trainer options: one help text each, whatever the command (defaults aside)
for option in steps warmup lr weight-decay clip schedule eval-every log-every; do
  texts=$(for command in pretrain finetune lra; do
            "$ponet" $command --help | grep -A1 -e "^  --$option VALUE" | tail -n 1
          done | sort -u | wc -l)
  [ "$texts" -eq 1 ] || fail "--$option is described differently by pretrain, finetune and lra"
done
expect 1 "unknown schedule 'cosine'" "$ponet" pretrain --corpus "$dir/corpus.txt" --schedule cosine --out "$dir/none"
expect 1 "unknown schedule 'cosine'" "$ponet" finetune --train "$dir/ft.tsv" --dev "$dir/ft.tsv" --schedule cosine --out "$dir/none"

# the built-in default model is apps/configs/tiny.json
tiny=(--corpus "$dir/corpus.txt" --vocab-size 60 --max-len 32 --batch-size 2 --steps 1 --warmup 0 --eval-batches 1
      --held-out 0.2 --quiet)
"$ponet" pretrain "${tiny[@]}" --out "$dir/builtin" > /dev/null 2>&1
"$ponet" pretrain "${tiny[@]}" --config "$here/apps/configs/tiny.json" --out "$dir/file" > /dev/null 2>&1
cmp -s "$dir/builtin/config.json" "$dir/file/config.json" || fail "pretrain's default model is not apps/configs/tiny.json"
ft=(--train "$dir/ft.tsv" --dev "$dir/ft.tsv" --vocab-size 60 --max-len 32 --batch-size 2 --steps 1 --warmup 0 --quiet)
"$ponet" finetune "${ft[@]}" --out "$dir/ft_builtin" > /dev/null 2>&1
"$ponet" finetune "${ft[@]}" --config "$here/apps/configs/tiny.json" --out "$dir/ft_file" > /dev/null 2>&1
cmp -s "$dir/ft_builtin/config.json" "$dir/ft_file/config.json" || fail "finetune's default model is not apps/configs/tiny.json"

# --out makes its missing parents, as mkdir -p; a path through a file is refused by name
"$ponet" pretrain "${tiny[@]}" --out "$dir/nested/a/b" > /dev/null 2>&1 || fail "pretrain --out with missing parents"
[ -s "$dir/nested/a/b/checkpoint.safetensors" ] || fail "pretrain --out nested/a/b left no checkpoint"
expect 1 "cannot create directory '$dir/ft.tsv/x'" "$ponet" pretrain "${tiny[@]}" --out "$dir/ft.tsv/x"
expect 1 "cannot create directory '$dir/ft.tsv/x'" "$ponet" finetune "${ft[@]}" --out "$dir/ft.tsv/x"
echo "cli_options_test: --device, the trainer options, the built-in config and --out are one each"
