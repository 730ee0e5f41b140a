#!/usr/bin/env bash
# Compiles and links the CUDA backend (sm_80, sm_90 and compute_90 PTX) into build-cuda/.
# Nothing here can run it without a GPU; CI checks that it builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
command -v nvcc >/dev/null || { echo "build_cuda: nvcc not found (install the CUDA toolkit)" >&2; exit 1; }
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOCKSTEP_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" >/dev/null
cmake --build build-cuda -j "$(nproc)"
echo "build_cuda: CUDA backend built: build-cuda/lockstep"
