#!/usr/bin/env bash
# The first command to run on a lent GPU machine (docs/gpu.md). Seven timed stages:
#   device     nvidia-smi name, driver, memory, compute capability; nvcc; the host
#   build      a Release build with CUDA for the device's arch (CMAKE_CUDA_ARCHITECTURES=<cap>-real)
#              into build-gpu/ on all cores
#   ctest      the whole suite with PONET_REQUIRE_GPU=1 (a GPU test that skips fails, and a GPU test
#              that ctest reports Skipped fails the stage)
#   parity     the op table on the device (test_ops device) and the CUDA parity fixtures (ponet_tests
#              -ts=gpu), every row's max error kept in parity.txt
#   sanitizer  compute-sanitizer memcheck over the GPU tests, racecheck over the pooling, mixer and
#              reduction rows of the op table
#   bench      bench_mixers on cuda, `ponet profile --device cuda --length 4096` (GB/s per kernel, % of
#              the measured triad bandwidth), the triad against the datasheet bandwidth
#   pretrain   `ponet pretrain --device cuda --steps 200` beside the same run on the CPU (same seed), the
#              two loss columns side by side and their largest relative difference
# Every stage prints "stage NAME: Xs, ok|FAILED|skipped (why)". The whole is budgeted (8 minutes by
# default): each command gets a timeout, and a stage is skipped with a line when too little time is left
# for it. The result is OUT_DIR/summary.md (default gpu_check_out/), rewritten after every stage so that a
# killed check still leaves one, plus at most 7 logs; the summary is printed at the end.
#
# Without a GPU (no nvidia-smi, or no CUDA device visible to the build's binaries) it prints "no GPU",
# runs the CPU side of each stage against the existing build (build/), marks the GPU parts "no GPU" and
# exits 0.
#   scripts/gpu_check.sh [OUT_DIR]
# Environment:
#   PONET_GPU_CHECK_QUICK=1        tiny sizes, few steps, the existing build, no ctest re-run; under a
#                                  minute on 2 cores (ctest's gpu_check_no_gpu runs this)
#   PONET_GPU_CHECK_BUILD_DIR=DIR  use this existing build instead of building build-gpu/
#   PONET_GPU_CHECK_CMAKE_ARGS=..  extra configure arguments for build-gpu/. The libraries that a bare
#                                  GPU machine lacks come from build-deps/ when it exists
#                                  (scripts/pack_gpu_deps.sh makes it)
#   PONET_GPU_CHECK_BUDGET=S       seconds for the whole check (default 480; quick mode 120)
#   PONET_GPU_CHECK_STEPS=N        pretraining steps (default 200; 50 without a GPU; 10 in quick mode)
#   PONET_GPU_CHECK_LOSS_RTOL=R    largest relative CPU/CUDA loss difference that passes over the whole
#                                  run (default 0.02; runs with another seed differ by about 0.01, so the
#                                  sharp checks are step 1 within 1e-4 and steps 1-10 within 1e-3)
#   PONET_GPU_CHECK_KEEP_RUNS=1    keep the pretraining run dirs in OUT_DIR/gpu_check_runs/ (removed by
#                                  default, so that OUT_DIR holds at most 8 files)
#   PONET_GPU_CHECK_NO_GPU=1       behave as if there were no GPU
#   PONET_REQUIRE_GPU=1            finding no GPU is a failure of the device stage
# Exit status: 0 when every stage that ran passed, 1 when one FAILED.
# shellcheck disable=SC2317  # the stage_* functions are reached through run_stage
set -uo pipefail

out=${1:-gpu_check_out}
mkdir -p "$out" || { echo "gpu_check: cannot create the output directory $out" >&2; exit 1; }
out=$(cd "$out" && pwd)
if [ -n "${PONET_GPU_CHECK_BUILD_DIR:-}" ]; then  # relative to where the script was called from
  PONET_GPU_CHECK_BUILD_DIR=$(cd "$PONET_GPU_CHECK_BUILD_DIR" 2>/dev/null && pwd) \
    || { echo "gpu_check: PONET_GPU_CHECK_BUILD_DIR is not a directory: ${PONET_GPU_CHECK_BUILD_DIR}" >&2; exit 1; }
fi
cd "$(dirname "$0")/.." || exit 1
repo=$(pwd)

quick=0
[ "${PONET_GPU_CHECK_QUICK:-0}" != 0 ] && quick=1
require_gpu=0
[ "${PONET_REQUIRE_GPU:-0}" != 0 ] && require_gpu=1
budget=${PONET_GPU_CHECK_BUDGET:-$([ "$quick" = 1 ] && echo 120 || echo 480)}
loss_rtol=${PONET_GPU_CHECK_LOSS_RTOL:-0.02}
cores=$(nproc 2>/dev/null || echo 2)
[[ $budget =~ ^[0-9]+$ ]] || { echo "gpu_check: PONET_GPU_CHECK_BUDGET must be whole seconds, got '$budget'" >&2; exit 1; }
[[ $loss_rtol =~ ^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$ ]] \
  || { echo "gpu_check: PONET_GPU_CHECK_LOSS_RTOL must be a number, got '$loss_rtol'" >&2; exit 1; }
# a machine image may have CUDA without putting it on the PATH
case ":$PATH:" in *:/usr/local/cuda/bin:*) ;; *) [ -d /usr/local/cuda/bin ] && PATH="$PATH:/usr/local/cuda/bin" ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$out"/{summary.md,device.txt,build.log,ctest.log,parity.txt,sanitizer.log,bench.txt,pretrain.txt}
rm -rf "$out/gpu_check_runs"

# ---- the stage machinery ------------------------------------------------------------------------
# Each stage has a minimum it needs to start and a cap. A stage's commands share one end time: the
# earlier of its start + cap and the budget's end less what the later stages need to start.
stages=(device build ctest parity sanitizer bench pretrain)
declare -A need=([device]=5 [build]=60 [ctest]=30 [parity]=15 [sanitizer]=20 [bench]=20 [pretrain]=30)
declare -A cap=([device]=30 [build]=300 [ctest]=180 [parity]=90 [sanitizer]=120 [bench]=90 [pretrain]=150)
if [ "$quick" = 1 ]; then  # tiny commands; build and ctest do not run
  need=([device]=2 [build]=0 [ctest]=0 [parity]=5 [sanitizer]=5 [bench]=5 [pretrain]=5)
fi
t_start=$(date +%s)
deadline=$((t_start + budget))
stage_lines=()
any_failed=0
S_NAME="" S_STATUS="" S_WHY="" S_END=0

fail() { S_STATUS=FAILED; S_WHY+="${S_WHY:+; }$1"; }
note() { S_WHY+="${S_WHY:+; }$1"; }
skip() { [ "$S_STATUS" = ok ] && S_STATUS=skipped; S_WHY+="${S_WHY:+; }$1"; }
sec() { printf '%s\n' "$@" >> "$work/sec_$S_NAME.md"; }
# sec_block FILE: FILE's lines as a fenced block in the stage's section (nothing when FILE is empty)
sec_block() { [ -s "$1" ] && { echo '```text'; cat "$1"; echo '```'; } >> "$work/sec_$S_NAME.md"; }
left() { echo $((S_END - $(date +%s))); }
# tmo CMD...: CMD under a timeout at the stage's end time; exit 124 when it ran out
tmo() {
  local t=$((S_END - $(date +%s)))
  [ "$t" -lt 1 ] && t=1
  timeout -k 5 "$t" "$@"
}
# why_rc RC WHAT: the reason text for a nonzero exit
why_rc() { if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then echo "$2 timed out"; else echo "$2 exited $1"; fi; }
have() { [ -x "$B/$1" ]; }
trim() { local v=${1#"${1%%[![:space:]]*}"}; printf '%s' "${v%"${v##*[![:space:]]}"}"; }

run_stage() {
  local name=$1 i reserve=0 later=0 now t0
  for i in "${stages[@]}"; do
    [ "$later" = 1 ] && reserve=$((reserve + need[$i]))
    [ "$i" = "$name" ] && later=1
  done
  S_NAME=$name S_STATUS=ok S_WHY=""
  now=$(date +%s)
  S_END=$((now + cap[$name]))
  [ $((deadline - reserve)) -lt "$S_END" ] && S_END=$((deadline - reserve))
  t0=$(date +%s.%N)
  if [ $((S_END - now)) -lt "${need[$name]}" ]; then
    S_STATUS=skipped
    S_WHY="budget spent: $((deadline - now))s of ${budget}s left; needs ${need[$name]}s, the later stages ${reserve}s"
  else
    "stage_$name"
  fi
  local line
  line=$(awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$name" -v s="$S_STATUS" -v w="$S_WHY" \
    'BEGIN { printf "stage %s: %.1fs, %s%s", n, b - a, s, (w == "" ? "" : " (" w ")") }')
  echo "$line"
  stage_lines+=("$line")
  [ "$S_STATUS" = FAILED ] && any_failed=1
  write_summary
}

write_summary() {
  local s
  {
    echo "# ponet.cpp GPU check"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname), $cores cores; $mode_line"
    echo "budget ${budget}s$([ "$quick" = 1 ] && echo ', quick mode (tiny sizes, existing build)'); output $out"
    echo
    echo '```text'
    printf '%s\n' "${stage_lines[@]}"
    echo '```'
    for s in "${stages[@]}"; do
      [ -s "$work/sec_$s.md" ] && { echo; echo "## $s"; echo; cat "$work/sec_$s.md"; }
    done
    echo
    printf 'files:'; for s in "$out"/*; do [ -f "$s" ] && printf ' %s' "${s##*/}"; done; echo
  } > "$out/summary.md"
}

# ---- 1. device ------------------------------------------------------------------------------------
gpu=0 gpu_why="" gpu_name="" gpu_free_mib=0 gpu_cap=""
mode_line="mode: starting"
stage_device() {
  {
    echo "== host"; uname -a; echo "cores: $cores"
    grep -m1 'model name' /proc/cpuinfo; grep MemTotal /proc/meminfo
    echo "== nvcc"; if command -v nvcc > /dev/null; then nvcc --version; else echo "nvcc: not found"; fi
    echo "== compute-sanitizer"; command -v compute-sanitizer || echo "compute-sanitizer: not found"
    echo "== nvidia-smi"; if command -v nvidia-smi > /dev/null; then tmo nvidia-smi; else echo "nvidia-smi: not found"; fi
  } > "$out/device.txt" 2>&1
  local q=""
  if [ "${PONET_GPU_CHECK_NO_GPU:-0}" != 0 ]; then
    gpu_why="PONET_GPU_CHECK_NO_GPU=1"
  elif ! command -v nvidia-smi > /dev/null; then
    gpu_why="no nvidia-smi"
  else
    q=$(tmo nvidia-smi --query-gpu=name,driver_version,memory.total,memory.free,compute_cap \
          --format=csv,noheader,nounits 2>> "$out/device.txt" | head -n 1)
    [ -n "$q" ] || gpu_why="nvidia-smi lists no GPU"
  fi
  if [ -n "$q" ]; then
    local driver total
    IFS=, read -r gpu_name driver total gpu_free_mib gpu_cap <<< "$q"
    gpu_name=$(trim "$gpu_name") driver=$(trim "$driver") total=$(trim "$total")
    gpu_free_mib=$(trim "$gpu_free_mib") gpu_cap=$(trim "$gpu_cap")
    gpu=1
    sec "- GPU: $gpu_name, driver $driver, memory $gpu_free_mib MiB free of $total MiB," \
        "  compute capability $gpu_cap (build arch ${gpu_cap/./}-real)"
  else
    sec "- GPU: no GPU ($gpu_why)"
    note "no GPU: $gpu_why"
  fi
  local nv
  nv=$(nvcc --version 2>/dev/null | grep -o 'release [^,]*, V[0-9.]*' || true)
  sec "- CUDA toolkit: ${nv:-no nvcc}; compute-sanitizer: $(command -v compute-sanitizer || echo none)"
  sec "- host: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  sec "- details: device.txt"
  set_mode
}
set_mode() {
  if [ "$gpu" = 1 ]; then
    mode_line="mode: GPU ($gpu_name, compute capability $gpu_cap)"
  else
    mode_line="mode: no GPU ($gpu_why): CPU side of each stage only"
    echo "no GPU ($gpu_why)"
    need[build]=0 need[ctest]=0 need[sanitizer]=0  # they only print their skip line now
    [ "$require_gpu" = 1 ] && fail "PONET_REQUIRE_GPU=1 and no GPU: $gpu_why"
  fi
}

# ---- 2. build -------------------------------------------------------------------------------------
B=${PONET_GPU_CHECK_BUILD_DIR:-build}  # build-gpu/ once the build stage makes one
stage_build() {
  if [ -n "${PONET_GPU_CHECK_BUILD_DIR:-}" ]; then
    B=$PONET_GPU_CHECK_BUILD_DIR
    skip "PONET_GPU_CHECK_BUILD_DIR: the existing build in $B"
  elif [ "$gpu" = 0 ]; then
    B=build
    skip "no GPU: the existing build in $B/"
  elif [ "$quick" = 1 ]; then
    B=build
    skip "quick mode: the existing build in $B/"
  else
    B=build-gpu
    local arch=${gpu_cap/./}-real rc=0 deps=()
    # doctest, nlohmann-json and utf8proc brought along by scripts/pack_gpu_deps.sh
    [ -d build-deps/include ] && deps=(-DCMAKE_PREFIX_PATH="$repo/build-deps") && note "dependencies from build-deps/"
    # shellcheck disable=SC2086  # the extra arguments are meant to split
    tmo cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" "${deps[@]}" \
      ${PONET_GPU_CHECK_CMAKE_ARGS:-} > "$out/build.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
      fail "$(why_rc "$rc" configure) (build.log)"
      sec '```text' "$(grep -m 8 -iE -A2 'error|could not find' "$out/build.log")" '```'
      grep -qiE 'doctest|nlohmann|utf8proc' "$out/build.log" && \
        sec "- a library is missing here: run scripts/pack_gpu_deps.sh on a machine that has it and bring build-deps/ along (docs/gpu.md)"
    else
      grep -q "CUDA backend ON" "$out/build.log" || note "the build has no CUDA backend (no nvcc?)"
      tmo cmake --build "$B" -j"$cores" >> "$out/build.log" 2>&1 || rc=$?
      if [ "$rc" -ne 0 ]; then
        fail "$(why_rc "$rc" build) (build.log)"
        sec '```text' "$(grep -m 10 -E 'error|Error' "$out/build.log")" '```'
      fi
      sec "- built $B for $arch with $cores jobs; warnings: $(grep -c 'warning:' "$out/build.log")"
    fi
  fi
  case $B in /*) ;; *) B=$repo/$B ;; esac
  if [ ! -d "$B" ]; then
    fail "no build directory $B"
    return
  fi
  local b present="" missing=""
  for b in ponet ponet_tests test_ops bench_mixers; do
    if have "$b"; then present+=" $b"; else missing+=" $b"; fi
  done
  sec "- build dir $B; binaries:${present:- none}${missing:+; missing:$missing}"
  [ -n "$missing" ] && note "missing:$missing"
  # nvidia-smi may see a GPU that the binaries cannot use (no CUDA backend, a driver too old)
  if [ "$gpu" = 1 ]; then
    local probe=""
    if have test_ops; then
      probe=$(env -u PONET_REQUIRE_GPU timeout 60 "$B/test_ops" device --filter to_device 2>&1)
    elif have ponet_tests; then
      probe=$(env -u PONET_REQUIRE_GPU timeout 60 "$B/ponet_tests" -ts=gpu 2>&1)
    fi
    if echo "$probe" | grep -q "SKIP:"; then
      gpu=0 gpu_why="nvidia-smi lists $gpu_name, but the binaries in $B see no CUDA device"
      note "$gpu_why"
      set_mode
    fi
  fi
}

# ---- 3. ctest -------------------------------------------------------------------------------------
stage_ctest() {
  [ "$quick" = 1 ] && { skip "quick mode: no ctest re-run"; return; }
  [ "$gpu" = 0 ] && { skip "no GPU: the CPU suite is the existing build's ctest (scripts/test.sh)"; return; }
  [ -f "$B/CTestTestfile.cmake" ] || { fail "no ctest file in $B"; return; }
  local rc=0
  # gpu_check_no_gpu is this script itself
  PONET_REQUIRE_GPU=1 tmo ctest --test-dir "$B" --output-on-failure -j"$cores" -E '^gpu_check_no_gpu$' \
    > "$out/ctest.log" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" ctest) (ctest.log)"
  sec "- PONET_REQUIRE_GPU=1 ctest -j$cores: $(grep -m1 'tests passed' "$out/ctest.log" || echo 'no result line')"
  grep -E '\(Failed\)|\(Timeout\)|\(SEGFAULT\)|\(Subprocess aborted\)|\*\*\*Skipped|Not Run' "$out/ctest.log" \
    | head -n 30 > "$work/ctest_bad.txt"
  sec_block "$work/ctest_bad.txt"
  # ctest exits 0 when tests are Skipped, but a GPU test (label gpu) that skipped never ran on this GPU:
  # that fails the stage. Other tests may skip for reasons of the machine (no mpirun, no bible-kjv, the
  # check of the no-device path): they are named, not failed.
  local gpu_tests n name gpu_skips=() other_skips=()
  gpu_tests=" $(ctest --test-dir "$B" -N -L gpu 2>/dev/null | sed -n 's/^ *Test *#\([0-9]*\): .*/\1/p' | tr '\n' ' ')"
  [ -n "${gpu_tests// /}" ] || fail "ctest -N -L gpu lists no GPU test in $B"
  while read -r n name; do
    case $gpu_tests in *" $n "*) gpu_skips+=("$name") ;; *) other_skips+=("$name") ;; esac
  done < <(sed -n 's/^[[:space:]]*\([0-9][0-9]*\) - \(.*\) (Skipped)$/\1 \2/p' "$out/ctest.log")
  if [ ${#gpu_skips[@]} -gt 0 ]; then
    fail "${#gpu_skips[@]} GPU tests skipped under PONET_REQUIRE_GPU=1"
    sec "- GPU tests that skipped (each one a failure here):" "$(printf '  - %s\n' "${gpu_skips[@]}")"
  fi
  [ ${#other_skips[@]} -eq 0 ] || sec "- other tests that skipped on this machine:" "$(printf '  - %s\n' "${other_skips[@]}")"
}

# ---- 4. parity ------------------------------------------------------------------------------------
quick_ops=ponet_mixer,segment_max,max_pool1d
stage_parity() {
  local rc f=() p="$out/parity.txt"
  [ "$quick" = 1 ] && f=(--filter "$quick_ops")
  : > "$p"
  if have test_ops; then
    if [ "$gpu" = 1 ]; then
      echo "== test_ops device --require-device ${f[*]}" >> "$p"
      rc=0; PONET_REQUIRE_GPU=1 tmo "$B/test_ops" device --require-device "${f[@]}" >> "$p" 2>&1 || rc=$?
      [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" "test_ops device")"
    else
      echo "== test_ops device (no GPU)" >> "$p"
      env -u PONET_REQUIRE_GPU timeout 60 "$B/test_ops" device "${f[@]}" >> "$p" 2>&1
      sec "- op table on the device: no GPU"
      echo "== test_ops value ${f[*]} (the CPU side: every row against its naive reference)" >> "$p"
      rc=0; tmo "$B/test_ops" value "${f[@]}" >> "$p" 2>&1 || rc=$?
      [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" "test_ops value")"
    fi
    sec "- $(grep -E '^test_ops [a-z]+: ' "$p" | tr '\n' ';' | sed 's/;$//; s/;/; /g' | grep . || echo 'test_ops printed no result line')"
  else
    note "missing: test_ops"
    sec "- op table: missing ($B/test_ops)"
  fi
  if have ponet_tests; then
    rc=0
    if [ "$gpu" = 1 ]; then
      PONET_REQUIRE_GPU=1 tmo "$B/ponet_tests" -ts=gpu > "$work/fixtures.txt" 2>&1 || rc=$?
    else
      env -u PONET_REQUIRE_GPU timeout 60 "$B/ponet_tests" -ts=gpu > "$work/fixtures.txt" 2>&1 || rc=$?
    fi
    { echo "== ponet_tests -ts=gpu"; cat "$work/fixtures.txt"; } >> "$p"
    [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" "ponet_tests -ts=gpu")"
    local cases skips
    cases=$(grep -m1 'test cases:' "$work/fixtures.txt" | sed 's/^\[doctest\] *//')
    skips=$(grep -c '^SKIP:' "$work/fixtures.txt")
    sec "- CUDA parity fixtures (ponet_tests -ts=gpu): ${cases:-no result line}$([ "$gpu" = 0 ] && echo "; $skips skipped: no GPU")"
  else
    note "missing: ponet_tests"
  fi
  [ "$S_STATUS" = ok ] && [ ! -s "$p" ] && skip "nothing to run"
  # the five largest row errors, then every failing row
  grep -E '^ok .*max err' "$p" | awk '{ print $NF "\t" $0 }' | sort -g -r | head -n 5 | cut -f2- > "$work/worst.txt"
  grep -E '^(FAIL|fail)' "$p" | head -n 20 >> "$work/worst.txt"
  [ -s "$work/worst.txt" ] && sec "- largest errors and failing rows (every row: parity.txt):"
  sec_block "$work/worst.txt"
}

# ---- 5. sanitizer ---------------------------------------------------------------------------------
race_ops=max_pool1d,segment_max,masked_mean,ponet_mixer,attention,fourier_mix,sum,mean,softmax
stage_sanitizer() {
  local cs
  cs=$(command -v compute-sanitizer || true)
  [ "$gpu" = 0 ] && { skip "no GPU${cs:+ (compute-sanitizer at $cs)}"; return; }
  [ -n "$cs" ] || { skip "no compute-sanitizer on this machine"; return; }
  local log="$out/sanitizer.log" san_runs=() i=0 n
  : > "$log"
  if have ponet_tests; then san_runs+=("memcheck|$B/ponet_tests -ts=gpu"); fi
  if have test_ops; then
    if [ "$quick" = 1 ]; then
      san_runs+=("racecheck|$B/test_ops device --filter ponet_mixer" "memcheck|$B/test_ops device --filter to_device")
    else
      san_runs+=("racecheck|$B/test_ops device --filter $race_ops" "memcheck|$B/test_ops device")
    fi
  fi
  [ ${#san_runs[@]} -gt 0 ] || { skip "missing: ponet_tests and test_ops"; return; }
  n=${#san_runs[@]}
  for r in "${san_runs[@]}"; do
    local tool=${r%%|*} cmd=${r#*|} rc=0 t share
    # each run gets an equal share of what is left, so that a slow one does not starve the others
    t=$(left); share=$((t / (n - i))); i=$((i + 1))
    [ "$share" -lt 5 ] && { note "$tool of ${cmd#"$B"/}: no time left"; continue; }
    echo "== compute-sanitizer --tool $tool ${cmd#"$B"/}" > "$work/san.txt"
    # shellcheck disable=SC2086  # cmd is a binary and its words
    PONET_REQUIRE_GPU=1 timeout -k 5 "$share" "$cs" --tool "$tool" --error-exitcode 99 $cmd >> "$work/san.txt" 2>&1 || rc=$?
    cat "$work/san.txt" >> "$log"
    local what="$tool of ${cmd#"$B"/}"
    if grep -q "Device not supported" "$work/san.txt"; then
      skip "compute-sanitizer cannot use this device (it refuses it under gVisor)"; break
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      # not a finding: the instrumented run did not finish in its share (the line says so)
      skip "$what timed out after ${share}s"
    elif [ "$rc" -ne 0 ]; then
      fail "$what exited $rc"
    fi
    sec "- $what: $(grep -o 'ERROR SUMMARY: .*' "$work/san.txt" | tail -n 1 || true)"
  done
  sec "- log: sanitizer.log"
}

# ---- 6. bench -------------------------------------------------------------------------------------
# datasheet memory bandwidth (GB/s) of the parts this check is meant for
nominal_bandwidth() {
  case $1 in
    *H200*) echo 4800 ;;
    *H100*PCIe*) echo 2000 ;;
    *H100*NVL*) echo 3900 ;;
    *H100*) echo 3350 ;;
    *) echo "" ;;
  esac
}
stage_bench() {
  local log="$out/bench.txt" dev=cpu rc bm=() pr=()
  have bench_mixers || have ponet || { skip "missing: bench_mixers and ponet"; return; }
  : > "$log"
  if [ "$gpu" = 1 ]; then
    dev=cuda
    local mem_cap
    mem_cap=$(awk -v f="$gpu_free_mib" 'BEGIN { printf "%.0f", f * 0.85 / 1024 }')
    if [ "$quick" = 1 ]; then bm=(--lengths 256 --batch 4 --min-seconds 0.2 --mixers "softmax,ponet")
    else bm=(--lengths "1024,4096,16384" --min-seconds 1 --time-cap 60 --mem-cap-gib "$mem_cap"); fi
    if [ "$quick" = 1 ]; then pr=(--length 256 --batch 2 --steps 1); else pr=(--length 4096); fi
  else
    if [ "$quick" = 1 ]; then bm=(--lengths 64 --batch 2 --min-seconds 0.1 --mixers "softmax,ponet")
    else bm=(--lengths "512,1024" --batch 8 --min-seconds 1 --time-cap 30); fi
    if [ "$quick" = 1 ]; then pr=(--length 64 --batch 2 --steps 1); else pr=(--length 1024 --batch 4 --steps 1); fi
    sec "- no GPU: the CPU side (bench_mixers cpu, ponet profile --device cpu) at small sizes"
  fi
  if have bench_mixers; then
    echo "== bench_mixers $dev ${bm[*]}" >> "$log"
    rc=0; tmo "$B/bench_mixers" "$dev" "${bm[@]}" > "$work/bm.txt" 2>&1 || rc=$?
    cat "$work/bm.txt" >> "$log"
    [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" bench_mixers)"
    sec "- bench_mixers $dev ${bm[*]}:"
    grep -vE '^  [a-z]+ +L=' "$work/bm.txt" | sed '/^$/d' > "$work/bm_tables.txt"
    sec_block "$work/bm_tables.txt"
  else
    note "missing: bench_mixers"
  fi
  if have ponet; then
    echo "== ponet profile --device $dev ${pr[*]}" >> "$log"
    rc=0; tmo "$B/ponet" profile --device "$dev" "${pr[@]}" > "$work/pr.txt" 2>&1 || rc=$?
    cat "$work/pr.txt" >> "$log"
    if [ "$rc" -ne 0 ]; then
      fail "$(why_rc "$rc" "ponet profile")"
    elif ! grep -q "machine limits" "$work/pr.txt"; then
      fail "ponet profile printed no machine limits"
    fi
    sec "- ponet profile --device $dev ${pr[*]} (GB/s per kernel; % BW: of the triad measured there):"
    { sed -n '/^machine limits/,/^ *peak /p' "$work/pr.txt"; grep -A 13 '^kernel ' "$work/pr.txt"
      grep 'allocator peak' "$work/pr.txt"; } > "$work/pr_top.txt"
    sec_block "$work/pr_top.txt"
    local triad nominal
    triad=$(grep -m1 -o 'bandwidth [0-9.]* GB/s' "$work/pr.txt" | awk '{ print $2 }')
    nominal=$([ "$gpu" = 1 ] && nominal_bandwidth "$gpu_name")
    if [ -n "$triad" ] && [ -n "$nominal" ]; then
      sec "- measured triad $triad GB/s = $(awk -v a="$triad" -v b="$nominal" 'BEGIN { printf "%.0f", 100 * a / b }') % of the datasheet's $nominal GB/s for $gpu_name"
    elif [ "$gpu" = 0 ]; then
      sec "- GPU kernels against the device's bandwidth: no GPU"
    fi
  else
    note "missing: ponet"
  fi
}

# ---- 7. pretrain ----------------------------------------------------------------------------------
# A generated corpus (the lent machine has no bible-kjv and no network): 80 documents of 10 sentences
# over 160 made-up words with a skewed frequency, so that MLM has something to learn.
write_corpus() {
  awk 'BEGIN {
    srand(7); split("ka lo mi ru te sa no vi de ba po li gu fe ra zo", s, " ")
    for (i = 0; i < 160; i++) { w = ""; n = 1 + int(rand() * 3); for (j = 0; j <= n; j++) w = w s[1 + int(rand() * 16)]; v[i] = w }
    for (d = 0; d < 80; d++) {
      for (t = 0; t < 10; t++) {
        n = 5 + int(rand() * 10); l = ""
        for (k = 0; k < n; k++) { r = rand(); l = l (k ? " " : "") v[int(160 * r * r)] }
        print l " ."
      }
      print ""
    }
  }' > "$1"
}
stage_pretrain() {
  have ponet || { skip "missing: ponet"; return; }
  command -v python3 > /dev/null || { skip "no python3 to read log.jsonl"; return; }
  local runs="$out/gpu_check_runs" log="$out/pretrain.txt" steps args=() rc
  mkdir -p "$runs"
  write_corpus "$runs/corpus.txt"
  if [ "$quick" = 1 ]; then
    steps=${PONET_GPU_CHECK_STEPS:-10}
    printf '%s\n' '{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32,' \
      ' "max_position_embeddings": 32, "hidden_dropout_prob": 0.1}' > "$runs/model.json"
    args=(--config "$runs/model.json" --max-len 32 --batch-size 4 --vocab-size 100 --eval-batches 1)
  else
    # the built-in tiny model at 32 x 128 tokens; 50 steps on the CPU alone (the suite covers it)
    steps=${PONET_GPU_CHECK_STEPS:-$([ "$gpu" = 1 ] && echo 200 || echo 50)}
    args=(--vocab-size 400 --eval-batches 4)
  fi
  [ "$steps" -ge 1 ] 2>/dev/null || { fail "PONET_GPU_CHECK_STEPS must be a positive integer, got '$steps'"; return; }
  args+=(--corpus "$runs/corpus.txt" --steps "$steps" --warmup $((steps / 10)) --eval-every $(((steps + 1) / 2))
         --checkpoint-every "$steps" --log-every 1 --held-out 0.05 --seed 1 --quiet)
  : > "$log"
  local devs=(cpu)
  [ "$gpu" = 1 ] && devs=(cpu cuda)
  for d in "${devs[@]}"; do
    echo "== ponet pretrain --device $d ${args[*]}" >> "$log"
    rc=0; tmo "$B/ponet" pretrain --device "$d" --out "$runs/$d" "${args[@]}" >> "$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
      fail "$(why_rc "$rc" "pretrain --device $d") (pretrain.txt)"
      tail -n 5 "$log" > "$work/pretrain_tail.txt"
      sec_block "$work/pretrain_tail.txt"
      return
    fi
  done
  local cuda_log=""
  [ "$gpu" = 1 ] && cuda_log="$runs/cuda/log.jsonl"
  echo "== train losses" >> "$log"
  python3 "$repo/scripts/lib/compare_losses.py" "$runs/cpu/log.jsonl" "$cuda_log" "$steps" "$loss_rtol" >> "$log" 2> "$work/cmp.txt" || rc=$?
  sec "- ponet pretrain ${args[*]}, on ${devs[*]} (every step: pretrain.txt):" ""
  grep -v '^PROBLEM' "$work/cmp.txt" >> "$work/sec_$S_NAME.md"
  if [ "$rc" -ne 0 ]; then
    local problem
    problem=$(grep -m1 '^PROBLEM' "$work/cmp.txt" | sed 's/^PROBLEM: //')
    fail "${problem:-compare_losses.py exited $rc}"
    sec "" "$(grep '^PROBLEM' "$work/cmp.txt")"
  fi
  [ "$gpu" = 0 ] && note "CUDA run: no GPU"
}

for s in "${stages[@]}"; do run_stage "$s"; done
if [ "${PONET_GPU_CHECK_KEEP_RUNS:-0}" = 0 ]; then rm -rf "$out/gpu_check_runs"; fi
if [ "$any_failed" = 1 ]; then
  result="result: FAILED ($(printf '%s\n' "${stage_lines[@]}" | grep ', FAILED' | sed 's/^stage \([a-z]*\):.*/\1/' | tr '\n' ' ' | sed 's/ $//'))"
else
  result="result: every stage that ran passed"
fi
write_summary
printf '\n%s\n' "$result" >> "$out/summary.md"
echo
cat "$out/summary.md"
exit "$any_failed"
