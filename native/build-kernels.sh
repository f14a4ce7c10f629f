#!/usr/bin/env bash
# Compiles every native/src/*.cu into PTX for a portable target (compute_80) and, where nvcc
# supports it, an sm_90a cubin for Hopper. Output: class-path resources under $1.
# Without nvcc the build still succeeds; the CUDA backend then reports itself unavailable.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "$0")" && pwd)"
nvcc_bin="$(command -v nvcc || true)"
if [ -z "$nvcc_bin" ] && [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then nvcc_bin="$CUDA_HOME/bin/nvcc"; fi
if [ -z "$nvcc_bin" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc_bin=/usr/local/cuda/bin/nvcc; fi
shopt -s nullglob
sources=("$here"/src/*.cu)
if [ ${#sources[@]} -eq 0 ]; then echo "[attune-native] no CUDA sources"; exit 0; fi
if [ -z "$nvcc_bin" ]; then
  echo "[attune-native] nvcc not found on PATH, CUDA_HOME or /usr/local/cuda: CUDA kernels not built, the CUDA backend will be unavailable"
  exit 0
fi
mkdir -p "$out"
for src in "${sources[@]}"; do
  name="$(basename "$src" .cu)"
  # Rebuild only what changed: the .cu (or the shared header) is newer than its outputs.
  if [ "$out/$name.ptx" -nt "$src" ] && [ "$out/$name.sm_90a.cubin" -nt "$src" ] \
     && [ "$out/$name.ptx" -nt "$here/src/attune.cuh" ]; then continue; fi
  "$nvcc_bin" -ptx -arch=compute_80 -O3 -std=c++17 -I"$here/src" -o "$out/$name.ptx" "$src"
  "$nvcc_bin" -cubin -arch=sm_90a -O3 -std=c++17 -I"$here/src" -o "$out/$name.sm_90a.cubin" "$src"
done
echo "[attune-native] built ${#sources[@]} kernel file(s) with $nvcc_bin"
