#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) into build-fuzz/ and runs each
# for SECONDS (default 60), starting from the committed corpus tests/fuzz/corpus/<target>/ and the
# project's own files (new inputs go to build-fuzz/corpus/<target>/). A finding stops its target and
# leaves the input in build-fuzz/findings/; once fixed, commit it as tests/fuzz/corpus/<target>/finding_*
# so that the normal build replays it (ctest replay_fuzz_<target>). The normal build is not touched.
# Usage: scripts/fuzz.sh [seconds]. Exit 0: no finding; 1: a finding; 77: skipped, no clang to be had.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(fuzz_safetensors fuzz_model_config fuzz_text_readers)

# clang and its OpenMP runtime, plus what the library itself needs; installed only when missing
missing=()
for p in cmake make nlohmann-json3-dev clang libomp-dev; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"; } > /dev/null 2>&1 ||
    echo "fuzz: could not install ${missing[*]}"
fi
if ! command -v clang++ > /dev/null || ! dpkg -s libomp-dev > /dev/null 2>&1; then
  echo "fuzz: skipped: no clang (clang++ with libomp-dev is needed and could not be installed)"
  exit 77
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPONET_FUZZ=ON \
      -DPONET_CUDA=OFF -DPONET_BUILD_TESTS=OFF -DPONET_BUILD_BENCH=OFF > /dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}" > build-fuzz/build.log 2>&1 ||
  { tail -30 build-fuzz/build.log; exit 1; }

# extra seeds: the test fixtures' checkpoints (cut to the input size limit) and the shipped configs
mkdir -p build-fuzz/seeds/fuzz_safetensors
for f in tests/data/*.safetensors; do head -c 65536 "$f" > "build-fuzz/seeds/fuzz_safetensors/$(basename "$f")"; done
extra_seeds() {
  case $1 in
    fuzz_safetensors) echo build-fuzz/seeds/fuzz_safetensors ;;
    fuzz_model_config) echo apps/configs ;;
  esac
}

rm -rf build-fuzz/findings && mkdir -p build-fuzz/findings
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  rc=0
  # the first directory receives new inputs; the committed corpus and the seeds are only read
  # shellcheck disable=SC2046  # extra_seeds prints plain directory names
  "build-fuzz/$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/findings/ "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" $(extra_seeds "$t") \
    > "build-fuzz/$t.log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "build-fuzz/$t.log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz: $t: $seconds s, $execs executions, exit $rc (log: build-fuzz/$t.log)"
  if [ "$rc" -ne 0 ]; then
    grep -E "ERROR|SUMMARY|runtime error" "build-fuzz/$t.log" | head -5 || true
    status=1
  fi
done
if [ -n "$(ls -A build-fuzz/findings)" ]; then
  echo "fuzz: findings in build-fuzz/findings:" build-fuzz/findings/*
  status=1
fi
[ "$status" -eq 0 ] && echo "fuzz: no findings"
exit "$status"
