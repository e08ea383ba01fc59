#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs each for SECONDS
# (default 60) from a seed corpus made of the project's own files. A finding stops the run and leaves
# its input in build-fuzz/findings/. Usage: scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
if ! command -v clang++ >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang >/dev/null
fi
scripts/setup.sh >/dev/null  # the packages the build needs
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPONET_FUZZ=ON \
      -DPONET_CUDA=OFF -DPONET_BUILD_TESTS=OFF -DPONET_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_safetensors fuzz_model_config fuzz_text_readers
seed() {  # target, files...
  local dir=build-fuzz/corpus/$1; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && head -c 65536 "$f" > "$dir/$(basename "$f")"; done
}
seed fuzz_safetensors tests/data/*.safetensors
seed fuzz_model_config apps/configs/*.json
printf 'label\ttext\na\tone. two\nb\tthree\n' > build-fuzz/seed.tsv
printf 'Source\tTarget\n( ( ( [MAX 2 ) 9 ) ] )\t9\n' > build-fuzz/seed_listops.tsv
printf '{"text": "a b", "label": "x"}\n' > build-fuzz/seed.jsonl
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n##s\n' > build-fuzz/seed_vocab.txt
seed fuzz_text_readers build-fuzz/seed.tsv build-fuzz/seed_listops.tsv build-fuzz/seed.jsonl build-fuzz/seed_vocab.txt
mkdir -p build-fuzz/findings
for t in fuzz_safetensors fuzz_model_config fuzz_text_readers; do
  echo "== $t ($seconds s)"
  build-fuzz/$t -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/findings/ build-fuzz/corpus/$t 2>&1 | grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done" || true
done
if [ -n "$(ls -A build-fuzz/findings)" ]; then echo "fuzz: findings in build-fuzz/findings"; exit 1; fi
echo "fuzz: no findings"
