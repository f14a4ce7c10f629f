#!/usr/bin/env bash
# Compiles every native/src/*.cu with the host C++ compiler into the CUDA emulator library
# libattune_cuda_emu.so (see emu/cuda_emu.h), a class-path resource under $1, so that the CUDA
# kernels can be run and tested on the CPU where no GPU is. Each kernel file becomes one generated
# unit in $2: the file itself (its `extern __shared__` declarations made plain `extern`, since the
# emulator holds dynamic shared memory in one array) followed by one registration per kernel.
# Without g++ the build still succeeds; the emulator then reports itself unavailable.
set -euo pipefail
out="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
cxx="${CXX:-g++}"
if ! command -v "$cxx" > /dev/null; then
  echo "[attune-native] $cxx not found: the CUDA emulator is not built (its tests will say so and skip)"
  exit 0
fi
lib="$out/libattune_cuda_emu.so"
if [ -f "$lib" ] && [ -z "$(find "$here/src" "$here/emu" "$0" -newer "$lib" -print -quit)" ]; then exit 0; fi
mkdir -p "$out" "$work"
rm -f "$work"/emu_*.cpp
# The kernels, and the emulator's own test kernels (emu/*.cu, never built by nvcc).
for src in "$here"/src/*.cu "$here"/emu/*.cu; do
  name="$(basename "$src" .cu)"
  {
    echo "#line 1 \"$src\""
    sed 's/extern __shared__/extern/' "$src"
    echo
    # Kernel names: `extern "C" __global__ void [__launch_bounds__(..)] NAME(`, possibly over two lines.
    tr '\n' ' ' < "$src" | grep -oE 'extern "C" __global__ void (__launch_bounds__\([^)]*\) *)?[A-Za-z_0-9]+' \
      | awk '{print "ATTUNE_EMU_KERNEL(" $NF ")"}'
  } > "$work/emu_$name.cpp"
done
"$cxx" -std=c++17 -O2 -fPIC -shared -fvisibility=hidden -ffp-contract=off -fno-strict-aliasing -Wall -Wno-unknown-pragmas \
  -I"$here/src" -include "$here/emu/cuda_emu.h" "$work"/emu_*.cpp "$here/emu/cuda_emu.cpp" -o "$lib"
echo "[attune-native] built the CUDA emulator ($(ls "$here"/src/*.cu | wc -l) kernel files and its self-test) with $cxx"
