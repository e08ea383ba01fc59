#!/usr/bin/env bash
# ctest `gpu_check_no_gpu`: scripts/gpu_check.sh in its quick mode against this build. On a machine
# without a GPU (CI) that is the no-GPU path: it must exit 0 and write a summary that names every stage
# and says "no GPU". Then two runs against a fake build dir whose test_ops fails: the check must exit 1
# and mark the parity stage FAILED; and with no time budget every stage must be skipped with a line. Last,
# two runs on a fake GPU (a stand-in nvidia-smi) against fake suites: a skipped GPU test fails the ctest
# stage, a skipped test of another kind does not.
# Usage: tests/scripts/gpu_check_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
check="$(cd "$(dirname "$0")/../../scripts" && pwd)/gpu_check.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
stages=(device build ctest parity sanitizer bench pretrain)
die() { echo "gpu_check_test: $*" >&2; [ -f "$summary" ] && cat "$summary" >&2; exit 1; }

# summary_ok SUMMARY: the file exists, names every stage with a known status, and OUT holds <= 8 files
summary_ok() {
  summary=$1
  [ -s "$summary" ] || die "no summary at $summary"
  local s
  for s in "${stages[@]}"; do
    grep -Eq "^stage $s: [0-9.]+s, (ok|FAILED|skipped)" "$summary" || die "the summary has no line for stage $s"
  done
  local n
  n=$(find "$(dirname "$summary")" -type f | wc -l)
  [ "$n" -le 8 ] || die "$n files in the output directory (at most 8)"
}

summary=""
rc=0
PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUILD_DIR="$build" bash "$check" "$dir/real" > "$dir/real.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$dir/real.txt" >&2; die "quick check exited $rc"; }
summary_ok "$dir/real/summary.md"
if ! command -v nvidia-smi > /dev/null; then
  grep -q "^no GPU" "$dir/real.txt" || die "did not print 'no GPU'"
  grep -q "mode: no GPU" "$summary" || die "the summary does not say 'no GPU'"
fi
grep -q "^result: every stage that ran passed" "$summary" || die "no passing result line"

# a failing stage fails the check
mkdir -p "$dir/fake"
printf '#!/bin/sh\necho "FAIL value planted_op [1] max err nan"\necho "test_ops value: 0 passed, 1 failed"\nexit 1\n' \
  > "$dir/fake/test_ops"
chmod +x "$dir/fake/test_ops"
rc=0
PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUILD_DIR="$dir/fake" \
  bash "$check" "$dir/fail" > "$dir/fail.txt" 2>&1 || rc=$?
summary_ok "$dir/fail/summary.md"
[ "$rc" -eq 1 ] || die "a failing test_ops gave exit $rc, not 1"
grep -Eq "^stage parity: [0-9.]+s, FAILED" "$summary" || die "the parity stage is not FAILED"
grep -q "planted_op" "$summary" || die "the failing row is not in the summary"
grep -q "^result: FAILED (parity)" "$summary" || die "no failing result line"

# no budget: every stage skipped with a line, nothing run, exit 0
rc=0
PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUDGET=0 PONET_GPU_CHECK_BUILD_DIR="$dir/fake" \
  bash "$check" "$dir/none" > "$dir/none.txt" 2>&1 || rc=$?
summary_ok "$dir/none/summary.md"
[ "$rc" -eq 0 ] || die "a check with no budget exited $rc"
[ "$(grep -c '^stage [a-z]*: .*, skipped (budget spent' "$summary")" -ge 6 ] || die "stages ran without a budget"
# the ctest stage on a GPU machine (a fake nvidia-smi, a build dir holding only a CTestTestfile.cmake): a
# test labelled gpu that ctest reports Skipped fails the stage; a skip of another test is named, not failed
mkdir -p "$dir/bin"
printf '#!/bin/sh\necho "Fake GPU, 1.0, 1000, 900, 9.0"\n' > "$dir/bin/nvidia-smi"
chmod +x "$dir/bin/nvidia-smi"
# fake_suite DIR TEST...: a build dir whose ctest suite is TEST...; each is NAME:LABEL:EXIT (77: Skipped)
fake_suite() {
  local d=$1 t name label code
  shift
  mkdir -p "$d"
  for t in "$@"; do
    IFS=: read -r name label code <<< "$t"
    echo "add_test($name /bin/sh -c \"echo SKIP: $name; exit $code\")"
    echo "set_tests_properties($name PROPERTIES SKIP_RETURN_CODE 77${label:+ LABELS $label})"
  done > "$d/CTestTestfile.cmake"
}
fake_suite "$dir/gpu_skips" gpu_case:gpu:77 machine_case::77 passing_case::0
rc=0
PATH="$dir/bin:$PATH" PONET_GPU_CHECK_BUILD_DIR="$dir/gpu_skips" bash "$check" "$dir/gpu_skip" > "$dir/gpu_skip.txt" 2>&1 || rc=$?
summary_ok "$dir/gpu_skip/summary.md"
grep -q "mode: GPU (Fake GPU" "$summary" || die "the fake nvidia-smi did not make a GPU run"
[ "$rc" -eq 1 ] || die "a skipped GPU test gave exit $rc, not 1"
grep -Eq "^stage ctest: [0-9.]+s, FAILED \(1 GPU tests skipped" "$summary" || die "the ctest stage is not FAILED on a skipped GPU test"
grep -q "^  - gpu_case$" "$summary" || die "the skipped GPU test is not named"
fake_suite "$dir/machine_skips" gpu_case:gpu:0 machine_case::77 passing_case::0
rc=0
PATH="$dir/bin:$PATH" PONET_GPU_CHECK_BUILD_DIR="$dir/machine_skips" bash "$check" "$dir/machine_skip" > "$dir/machine_skip.txt" 2>&1 || rc=$?
summary_ok "$dir/machine_skip/summary.md"
grep -Eq "^stage ctest: [0-9.]+s, ok" "$summary" || die "a skip outside the gpu label failed the ctest stage"
grep -q "^  - machine_case$" "$summary" || die "the other skipped test is not named"
[ "$rc" -eq 0 ] || die "a skip outside the gpu label gave exit $rc"
echo "gpu_check_test: all checks passed"
