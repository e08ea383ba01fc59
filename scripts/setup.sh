#!/usr/bin/env bash
# Installs what ponet.cpp needs from Debian (only what is missing) and builds it into build/.
# CUDA is compiled in when nvcc is on PATH; everything works without it.
set -euo pipefail
cd "$(dirname "$0")/.."

# openmpi: data-parallel training (`mpirun -np N build/ponet ...`, docs/distributed.md); zlib and
# dataset-fashion-mnist: the LRA Image task (`ponet lra image`, docs/lra.md)
packages=(cmake g++ make doctest-dev nlohmann-json3-dev libutf8proc-dev libopenblas-dev bible-kjv openmpi-bin libopenmpi-dev
          zlib1g-dev dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
