#!/usr/bin/env bash
# ctest `gpu_check_no_gpu`: scripts/gpu_check.sh without a GPU, along every path a lent machine can take
# short of running kernels:
#   fresh        a copy of the repository as the device tool sends it (the files git tracks or does not
#                ignore: no build*/) says "no GPU" and exits 0 within seconds, with no build at all
#   quick        quick mode on this build: the CPU side of every stage passes, OUT_DIR holds at most 8
#                files with the summary's name first, the pretraining run reproduces
#                tests/data/gpu_parity/pretrain.jsonl, and its second run and its resume give the same bits
#   failing ops  a fake test_ops with an op that fails and one that crashes: exit 1, the ops stage FAILED
#                naming both, each run again with CUDA_LAUNCH_BLOCKING=1
#   no budget    every stage skipped with a line, exit 0
#   unusable GPU a fake nvidia-smi that lists an H100: with this build (which sees no device here) and
#                with a fake build without CUDA, the build stage FAILS without PONET_REQUIRE_GPU and the
#                later stages are skipped
#   --prebuilt   in the copy: a prebuilt tree whose sources match is used through its anchor (its
#                programs runnable even when the copy dropped their mode bits); with a program whose
#                library ldd cannot find, or after a source file changed, it is not
#   emulated GPU fake nvidia-smi, compute-sanitizer and programs that answer as a CUDA build would: every
#                stage passes in GPU mode, and a step-1 loss 0.1 % off the CPU curve fails the train stage
#   skipped GPU  on the emulated GPU, a test labelled gpu that ctest reports Skipped fails the ctest
#                stage; a skip of another test is named, not failed
#   racecheck    gpu_check.sh's race_kernels are the files of kernels/cuda/ that use shared memory, and
#                its race_ops are ops of the op table that have small rows
# Usage: tests/scripts/gpu_check_test.sh BUILD_DIR     (GPU_CHECK_TEST_KEEP=1 keeps the scratch folder)
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
check=$src/scripts/gpu_check.sh
dir=$(mktemp -d)
if [ -n "${GPU_CHECK_TEST_KEEP:-}" ]; then echo "gpu_check_test: scratch kept in $dir"; else trap 'rm -rf "$dir"' EXIT; fi
stages=(probe build ops train speed ctest sanitizer)
summary=""
die() { echo "gpu_check_test: $*" >&2; [ -f "$summary" ] && cat "$summary" >&2; exit 1; }

# summary_ok OUT_DIR: the summary names every stage with a known status; OUT_DIR holds at most 8 plain
# files, the summary's name sorting first
summary_ok() {
  summary=$1/0_summary.md
  [ -s "$summary" ] || die "no summary at $summary"
  local s
  for s in "${stages[@]}"; do
    grep -Eq "^stage $s: [0-9.]+s, (ok|FAILED|skipped)" "$summary" || die "the summary has no line for stage $s"
  done
  [ "$(find "$1" -mindepth 1 | wc -l)" -le 8 ] || die "$(find "$1" -mindepth 1 | wc -l) entries in $1 (at most 8 files)"
  [ -z "$(find "$1" -mindepth 1 -not -type f)" ] || die "$1 holds more than files: $(find "$1" -mindepth 1 -not -type f)"
  [ "$(find "$1" -mindepth 1 -printf '%f\n' | LC_ALL=C sort | head -n 1)" = 0_summary.md ] || die "the summary does not sort first in $1"
}
# gc OUT_NAME ENV...: gpu_check.sh (the one in src, or COPY=1's) into $dir/OUT_NAME; sets rc
gc() {
  local name=$1
  shift
  rc=0
  env -u PONET_REQUIRE_GPU -u PONET_GPU_CHECK_BUILD_DIR "$@" bash "${script:-$check}" ${prebuilt_flag:+--prebuilt} \
    "$dir/$name" > "$dir/$name.txt" 2>&1 || rc=$?
}

# ---- fresh: no build anywhere -------------------------------------------------------------------
copy=$dir/copy
mkdir -p "$copy"
(
  cd "$src"
  if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard
  else
    find . -type f -not -path './build*' -not -path './.git/*' -print0
  fi | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -
) | tar -xf - -C "$copy"
[ ! -e "$copy/build" ] || die "the copy has a build/"
t0=$(date +%s)
script=$copy/scripts/gpu_check.sh gc fresh PONET_GPU_CHECK_NO_GPU=1
[ "$rc" -eq 0 ] || { cat "$dir/fresh.txt" >&2; die "the check in a fresh copy exited $rc"; }
summary_ok "$dir/fresh"
grep -q "^no GPU" "$dir/fresh.txt" || die "the fresh copy did not print 'no GPU'"
grep -Eq "^stage build: [0-9.]+s, skipped \(no GPU and no build/" "$summary" || die "the build stage does not say there is no build"
[ $(($(date +%s) - t0)) -le 30 ] || die "the check without a build took $(($(date +%s) - t0))s"

# ---- quick: the CPU side of every stage on this build --------------------------------------------
gc real PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUILD_DIR="$build"
[ "$rc" -eq 0 ] || { cat "$dir/real.txt" >&2; die "quick check exited $rc"; }
summary_ok "$dir/real"
grep -q "mode: no GPU" "$summary" || die "the summary does not say 'no GPU'"
grep -q "^result: every stage that ran passed" "$summary" || die "no passing result line"
grep -q "a second run on cpu: the same bits" "$summary" || die "no determinism line from the train stage"
grep -q "resumed at step 5, against the uninterrupted one: the same bits" "$summary" || die "no resume line from the train stage"

# ---- failing ops: a fake test_ops -----------------------------------------------------------------
mkdir -p "$dir/fake"
cat > "$dir/fake/test_ops" <<'SH'
#!/bin/sh
if [ "$1" = list ]; then
  printf 'coverage (rows)           value   grad device   perf\nplanted_op 1 1 1 1\ncrashing_op 1 1 1 1\n2 rows, 2 ops\n'
  exit 0
fi
echo "CUDA_LAUNCH_BLOCKING=${CUDA_LAUNCH_BLOCKING:-unset}"
case "$*" in
  *"--op planted_op"*) echo "FAIL $1 planted_op [1] max err nan"; echo "test_ops $1: 0 passed, 1 failed"; exit 1 ;;
  *"--op crashing_op"*) kill -SEGV $$ ;;
esac
SH
chmod +x "$dir/fake/test_ops"
gc fail PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUILD_DIR="$dir/fake"
summary_ok "$dir/fail"
[ "$rc" -eq 1 ] || die "failing ops gave exit $rc, not 1"
grep -Eq "^stage ops: [0-9.]+s, FAILED \(failing ops: planted_op crashing_op[;)]" "$summary" || die "the ops stage does not name both failing ops"
grep -q "FAIL value planted_op" "$summary" || die "the failing row is not in the summary"
grep -q "crashing_op: test_ops was killed by SIGSEGV" "$summary" || die "the crash is not named"
[ "$(grep -c '^CUDA_LAUNCH_BLOCKING=1' "$dir/fail/3_ops.txt")" -eq 2 ] || die "the failing ops did not run again with CUDA_LAUNCH_BLOCKING=1"
grep -q "^result: FAILED (ops)" "$summary" || die "no failing result line"

# ---- no budget -----------------------------------------------------------------------------------
gc none PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUDGET=0 PONET_GPU_CHECK_BUILD_DIR="$dir/fake"
summary_ok "$dir/none"
[ "$rc" -eq 0 ] || die "a check with no budget exited $rc"
[ "$(grep -c '^stage [a-z]*: .*, skipped (budget spent' "$summary")" -ge 6 ] || die "stages ran without a budget"

# ---- a GPU that the build cannot use --------------------------------------------------------------
mkdir -p "$dir/fakebin" "$dir/nocuda"
cat > "$dir/fakebin/nvidia-smi" <<'SH'
#!/bin/sh
case "$*" in
  *--query-gpu=name,*) echo "NVIDIA H100 80GB HBM3, 580.00, 81559, 81000, 9.0" ;;
  *--query-gpu=clocks*) echo "345 MHz, 1980 MHz, 2619 MHz, 2619 MHz" ;;
  *) echo "nvidia-smi of gpu_check_test.sh" ;;
esac
SH
printf '#!/bin/sh\necho "SKIP: device mode: no CUDA device (this build has no CUDA)"\necho "test_ops device: 0 passed, 0 failed"\n' \
  > "$dir/nocuda/test_ops"
chmod +x "$dir/fakebin/nvidia-smi" "$dir/nocuda/test_ops"
for b in "$build" "$dir/nocuda"; do
  gc unusable PATH="$dir/fakebin:$PATH" PONET_GPU_CHECK_QUICK=1 PONET_GPU_CHECK_BUILD_DIR="$b"
  summary_ok "$dir/unusable"
  [ "$rc" -eq 1 ] || die "a GPU the build $b cannot use gave exit $rc, not 1"
  grep -Eq "^stage build: [0-9.]+s, FAILED \(.*nvidia-smi lists NVIDIA H100 80GB HBM3, but" "$summary" \
    || die "the build stage does not fail for $b"
  grep -Eq "^stage ops: [0-9.]+s, skipped \(the build cannot use the GPU" "$summary" || die "the ops stage ran for $b"
done
grep -q "has no CUDA backend" "$summary" || die "a build without CUDA is not named as such"

# ---- an emulated GPU: fake programs that answer as a CUDA build on an H100 would ------------------
# Every GPU-only path of the script runs (the ops stage in device mode with the model-size rows, the
# train stage on cuda with its bit-for-bit runs, the speed stage's parsing, ctest, compute-sanitizer),
# so that a slip in them shows here and not on a lent machine.
emu=$dir/emu
mkdir -p "$emu"
cat > "$dir/fakebin/compute-sanitizer" <<'SH'
#!/bin/sh
shift 4  # --tool T --error-exitcode N
"$@" > /dev/null
echo "========= ERROR SUMMARY: 0 errors"
SH
cat > "$emu/test_ops" <<'SH'
#!/bin/sh
if [ "$1" = list ]; then
  echo 'coverage (rows)           value   grad device   perf'
  case "$*" in *--large*) echo 'ponet_mixer 0 0 1 0'; echo 'add 0 0 1 0' ;; *) echo 'add 1 1 1 1'; echo 'sum 1 1 1 1' ;; esac
  exit 0
fi
op=$(echo "$*" | sed 's/.*--op \([a-z_,]*\).*/\1/')
echo "ok   $1 $op [2, 3] max err 1.5e-07"
echo "test_ops $1: 1 passed, 0 failed"
SH
printf '#!/bin/sh\necho "[doctest] test cases: 9 | 9 passed | 0 failed | 247 skipped"\n' > "$emu/ponet_tests"
cat > "$emu/bench_mixers" <<'SH'
#!/bin/sh
for m in softmax fnet ponet; do
  for L in 1024 2048 4096 8192 16384; do
    case $m in softmax) s=1.000 p=1000.0 ;; fnet) s=11.900 p=70.0 ;; ponet) s=9.000 p=100.0 ;; esac
    echo "  $m  L=$L  $s steps/s   131072 tokens/s  peak  $p MiB  max RSS  500.0 MiB"
  done
done
printf '\nTraining speed (steps/s; in brackets: ratio to softmax at the same length)\n'
SH
cat > "$emu/ponet" <<'PY'
#!/usr/bin/env python3
# pretrain and lra write their reference's records as the log (a step-1 loss 0.1 % off with
# GPU_CHECK_TEST_OFF=1); --stop-after and --resume split the run as the real program does
import json, os, sys
args = sys.argv[1:]
opt = lambda name, default=None: args[args.index(name) + 1] if name in args else default
if args[0] == "profile":
    print("machine limits (measured now):\ndevice cuda\n  bandwidth 3000.0 GB/s  (triad)\n  peak      5e4 GFLOP/s")
    print("kernel  phase  calls  ms\nponet_mixer_forward  forward  2  1.0\nstep (wall time)  10.0  100.0")
    print("step 10.0 ms (13107 tokens/s), kernels 9.0 ms (90.0 %)")
    sys.exit(0)
out = opt("--out")
os.makedirs(out, exist_ok=True)
if "--resume" in args:
    ref, done = open(out + "/ref").read().split()
    done = int(done)
else:
    ref = "tests/data/gpu_parity/" + ("pretrain" if args[0] == "pretrain" else "lra_" + opt("--mixer")) + ".jsonl"
    done = 0
records = [json.loads(l) for l in open(ref)][1:]
last = done + int(opt("--stop-after", 0)) if "--stop-after" in args else max(r["step"] for r in records)
with open(out + "/log.jsonl", "a") as f:
    for r in records:
        if done < r["step"] <= last:
            if r["kind"] == "train" and r["step"] == 1 and os.environ.get("GPU_CHECK_TEST_OFF"):
                r["loss"] *= 1.001
            f.write(json.dumps(r) + "\n")
open(out + "/ref", "w").write(f"{ref} {last}")
PY
printf 'add_test(fake_suite "/bin/true")\nset_tests_properties(fake_suite PROPERTIES LABELS gpu)\n' > "$emu/CTestTestfile.cmake"
chmod +x "$dir/fakebin/compute-sanitizer" "$emu"/*
gc gpu PATH="$dir/fakebin:$PATH" PONET_GPU_CHECK_BUILD_DIR="$emu"
summary_ok "$dir/gpu"
[ "$rc" -eq 0 ] || { cat "$dir/gpu.txt" >&2; die "the check on an emulated GPU exited $rc"; }
for s in "${stages[@]}"; do
  grep -Eq "^stage $s: [0-9.]+s, ok" "$summary" || die "stage $s is not ok on the emulated GPU"
done
for line in "mode: GPU (NVIDIA H100 80GB HBM3, compute capability 9.0)" "test_ops device, one process per op: 2 ops, 2 rows passed" \
  "model-size rows (test_ops device --large), one process per op: 2 passed" "a second run on cuda: the same bits (train loss and grad norm, steps 1-100)" \
  "resumed at step 100, against the uninterrupted one: the same bits (train loss and grad norm, steps 101-200)" \
  "lra_softmax (ponet lra listops" "at L 4096: PoNet 9.0x softmax's steps/s (paper 9.0x)" "0.10x its peak memory (paper 0.1x)" \
  "kernels 9.0 ms (90.0 %)" "100% tests passed" "racecheck of test_ops device --small --op attention,cross_entropy" "ERROR SUMMARY: 0 errors"; do
  grep -qF "$line" "$summary" || die "the emulated GPU's summary lacks: $line"
done
gc gpu_off PATH="$dir/fakebin:$PATH" PONET_GPU_CHECK_BUILD_DIR="$emu" GPU_CHECK_TEST_OFF=1
[ "$rc" -eq 1 ] || die "a step-1 loss 0.1 % off the CPU's gave exit $rc"
grep -Eq "^stage train: [0-9.]+s, FAILED \(pretrain: step-1 losses differ by 1.00e-03" "$dir/gpu_off/0_summary.md" \
  || die "a step-1 loss 0.1 % off the CPU's does not fail the train stage"
# the ctest stage: the emulated build's suite is TEST... (NAME:LABEL:EXIT, 77 being Skipped)
emu_suite() {
  local t name label code
  for t in "$@"; do
    IFS=: read -r name label code <<< "$t"
    echo "add_test($name /bin/sh -c \"echo SKIP: $name; exit $code\")"
    echo "set_tests_properties($name PROPERTIES SKIP_RETURN_CODE 77${label:+ LABELS $label})"
  done > "$emu/CTestTestfile.cmake"
}
emu_suite gpu_case:gpu:77 machine_case::77 passing_case::0
gc gpu_skip PATH="$dir/fakebin:$PATH" PONET_GPU_CHECK_BUILD_DIR="$emu"
summary_ok "$dir/gpu_skip"
[ "$rc" -eq 1 ] || die "a skipped GPU test gave exit $rc, not 1"
grep -Eq "^stage ctest: [0-9.]+s, FAILED \(1 GPU tests skipped" "$summary" || die "the ctest stage is not FAILED on a skipped GPU test"
grep -q "^  - gpu_case$" "$summary" || die "the skipped GPU test is not named"
emu_suite gpu_case:gpu:0 machine_case::77 passing_case::0
gc machine_skip PATH="$dir/fakebin:$PATH" PONET_GPU_CHECK_BUILD_DIR="$emu"
summary_ok "$dir/machine_skip"
grep -Eq "^stage ctest: [0-9.]+s, ok" "$summary" || die "a skip outside the gpu label failed the ctest stage"
grep -q "^  - machine_case$" "$summary" || die "the other skipped test is not named"
[ "$rc" -eq 0 ] || die "a skip outside the gpu label gave exit $rc"

# ---- --prebuilt, in the copy ---------------------------------------------------------------------
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
pre=$copy/build-prebuilt
mkdir -p "$pre" "$dir/libgone"
echo 'int gone() { return 0; }' > "$dir/gone.cpp"
echo 'int gone(); int main() { return gone(); }' > "$dir/needs_gone.cpp"
echo 'int main() { return 0; }' > "$dir/plain.cpp"
"${cxx:-c++}" -shared -fPIC -o "$dir/libgone/libgone.so" "$dir/gone.cpp"
"${cxx:-c++}" -o "$dir/needs_gone" "$dir/needs_gone.cpp" -L"$dir/libgone" -lgone  # no rpath: ldd finds it nowhere
"${cxx:-c++}" -o "$pre/ponet_tests" "$dir/plain.cpp"
cat > "$pre/test_ops" <<'SH'
#!/bin/sh
[ "$1" = list ] && { printf 'coverage (rows)           value   grad device   perf\nprebuilt_op 1 1 1 1\n'; exit 0; }
echo "ok   $1 prebuilt_op [1] max err 0"; echo "test_ops $1: 1 passed, 0 failed"
SH
chmod +x "$pre/test_ops"
printf 'anchor %s\nmade by gpu_check_test.sh\n' "$dir/anchor" > "$pre/prebuilt.txt"
# shellcheck source=scripts/lib/source_digest.sh disable=SC1091
(cd "$copy" && source scripts/lib/source_digest.sh && source_digest) > "$pre/sources.sha256"
chmod -x "$pre/ponet_tests"  # as if the copy had dropped the mode bits
script=$copy/scripts/gpu_check.sh prebuilt_flag=1 gc pre_ok PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1
summary_ok "$dir/pre_ok"
grep -q "^- build dir .*; programs: ponet_tests test_ops;" "$summary" || die "a prebuilt program without its mode bits is not run"
[ "$rc" -eq 0 ] || { cat "$dir/pre_ok.txt" >&2; die "the check with a good prebuilt tree exited $rc"; }
grep -q "^- build dir $dir/anchor/build-prebuilt;" "$summary" || die "the prebuilt tree was not used through its anchor"
[ "$(cd "$dir/anchor" && pwd -P)" = "$(cd "$copy" && pwd -P)" ] || die "the anchor does not point at the copy"
grep -q "test_ops value, one process per op: 1 ops, 1 rows passed" "$summary" || die "the ops stage did not run the prebuilt test_ops"

cp "$dir/needs_gone" "$pre/needs_gone"
script=$copy/scripts/gpu_check.sh prebuilt_flag=1 gc pre_ldd PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1
summary_ok "$dir/pre_ldd"
[ "$rc" -eq 0 ] || die "the check with a prebuilt tree missing a library exited $rc"
grep -q "prebuilt not used: ldd finds a library missing: needs_gone: libgone.so" "$summary" || die "the missing library is not named"
grep -Eq "^stage build: [0-9.]+s, skipped \(.*no GPU and no build/" "$summary" || die "the prebuilt tree was used despite ldd"

rm "$pre/needs_gone"
echo "// changed" >> "$copy/core/tensor.h"
script=$copy/scripts/gpu_check.sh prebuilt_flag=1 gc pre_src PONET_GPU_CHECK_NO_GPU=1 PONET_GPU_CHECK_QUICK=1
summary_ok "$dir/pre_src"
grep -q "prebuilt not used: the sources differ from those it was built from (1 files: core/tensor.h" "$summary" \
  || die "a changed source file did not stop the prebuilt tree"

# ---- the racecheck list --------------------------------------------------------------------------
race_kernels=$(sed -n 's/^race_kernels="\(.*\)"$/\1/p' "$check" | tr ' ' '\n' | sort)
race_ops=$(sed -n 's/^race_ops=//p' "$check")
if [ -z "$race_kernels" ] || [ -z "$race_ops" ]; then die "no race_kernels or race_ops in $check"; fi
cd "$src/kernels/cuda"
direct=$(grep -l -E '__shared__|block_reduce\.cuh' ./*.cu | sed 's|^\./||; s|\.cu$||')
through=$(for k in $direct; do grep -l "kernels/cuda/$k.cuh" ./*.cu; done | sed 's|^\./||; s|\.cu$||')
# gemm.cu's tiled kernel uses shared memory, but no op calls it (cuBLAS does the GEMMs)
shared=$(printf '%s\n' "$direct" "$through" | grep -vx -e gemm -e '' | sort -u)
[ "$shared" = "$race_kernels" ] \
  || die "race_kernels in gpu_check.sh ($(echo "$race_kernels" | tr '\n' ' ')) are not the kernels that use shared memory ($(echo "$shared" | tr '\n' ' '))"
for op in ${race_ops//,/ }; do
  "$build/test_ops" list --small --op "$op" > /dev/null 2>&1 || die "race_ops names '$op', which has no small row in the op table"
done
echo "gpu_check_test: all checks passed"
