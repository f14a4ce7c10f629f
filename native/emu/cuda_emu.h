// The CUDA device language of native/src, for the host compiler: with this header forced in front
// (g++ -include cuda_emu.h), each kernel file compiles as ordinary C++ and cuda_emu.cpp runs its
// kernels on the CPU, so that they can be tested where no GPU is.
//
// Execution model: a launch runs its blocks one after another on the calling thread; each CUDA
// thread of a block is a fiber (its own stack, so its locals are its registers) and the fibers take
// turns only at __syncthreads and warp shuffles, in thread order in even blocks and in reverse order
// in odd ones (so that a missing barrier shows as wrong values). That is enough to give every kernel its CUDA
// meaning, with the ordering CUDA guarantees and no more:
//   __syncthreads     waits until every thread of the block has reached it (one that returned never does);
//   __shfl_*_sync     (full mask only) waits until all 32 lanes of the warp have written their value;
//   __shared__        one object per block (blocks never overlap in time here);
//   extern __shared__ the launch's dynamic shared memory, which must be named smem; it starts as NaN
//                     at every block, so a kernel that reads it before writing it shows;
//   atomicAdd         a plain read-modify-write (one host thread runs everything).
// A barrier only some threads reach, or a shuffle with lanes that returned, is reported as the error
// it is on a GPU (a hang or undefined values). Float arithmetic is IEEE single precision without
// contraction, so __fmul_rn and friends give the bits they give on a GPU; expf, logf, tanhf, erf are
// the C library's (within an ulp or two of CUDA's). Tensor-core instructions have emulations with the
// operand layout of the PTX ISA (gemm.cu calls them where ATTUNE_CUDA_EMULATOR is defined).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#define ATTUNE_CUDA_EMULATOR 1
#define __CUDA_ARCH__ 800  // compiles the sm_80 paths (the TF32 GEMM); their instructions are emulated below

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
struct __attribute__((aligned(16))) float4 {
    float x, y, z, w;
};

namespace attune_emu {
// The fiber that is running: its threadIdx, and its lane's slot for shuffles.
struct ThreadState;
extern ThreadState* current;
extern dim3 blockIdxNow, blockDimNow, gridDimNow;
const uint3& threadIndex();
void syncBlock();
// Writes this lane's 8-byte value, waits for the warp, returns lane `src`'s value; `mask` must be full.
uint64_t exchange(unsigned mask, uint64_t mine, int src, const char* what);
int laneId();
[[noreturn]] void fail(const char* what);
void mmaTf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]);
unsigned cvtRnaTf32(float x);

template <class T>
uint64_t toBits(T v) {
    static_assert(sizeof(T) <= 8, "a shuffled value is at most 8 bytes");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <class T>
T fromBits(uint64_t b) {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}
}  // namespace attune_emu

#define threadIdx (attune_emu::threadIndex())
#define blockIdx (attune_emu::blockIdxNow)
#define blockDim (attune_emu::blockDimNow)
#define gridDim (attune_emu::gridDimNow)
#define warpSize 32

inline void __syncthreads() { attune_emu::syncBlock(); }

template <class T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    if (width != 32) attune_emu::fail("__shfl_sync with a width other than 32 is not emulated");
    return attune_emu::fromBits<T>(attune_emu::exchange(mask, attune_emu::toBits(v), src & 31, "__shfl_sync"));
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int laneMask, int width = 32) {
    if (width != 32) attune_emu::fail("__shfl_xor_sync with a width other than 32 is not emulated");
    int src = (attune_emu::laneId() ^ laneMask) & 31;
    return attune_emu::fromBits<T>(attune_emu::exchange(mask, attune_emu::toBits(v), src, "__shfl_xor_sync"));
}

inline float atomicAdd(float* p, float v) {
    float old = *p;
    *p = old + v;
    return old;
}

// CUDA's integer min/max. This header defines only the built-ins the kernels use: add one when a kernel needs it.
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

// Correctly rounded IEEE operations (this file is compiled with -ffp-contract=off).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float rsqrtf(float a) { return 1.f / sqrtf(a); }
using std::signbit;
inline float __int_as_float(int v) { return attune_emu::fromBits<float>(attune_emu::toBits(v)); }

// ---- kernel registry: the generated unit of each kernel file ends with one ATTUNE_EMU_KERNEL per kernel ----
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace attune_emu {
// One CUDA thread's run of a kernel: it copies the launch's arguments (a thread may change its own
// parameters, as gemm.cu does) and calls the kernel.
using ThreadBody = std::function<void()>;
// Reads a launch's arguments from cuLaunchKernel's kernelParams (one pointer per parameter, to its value).
using Binder = ThreadBody (*)(void** params);
void registerKernel(const char* name, Binder binder);

template <class... A, std::size_t... I>
ThreadBody bindParams(void (*kernel)(A...), void** params, std::index_sequence<I...>) {
    std::tuple<std::decay_t<A>...> args{*static_cast<std::decay_t<A>*>(params[I])...};
    return [kernel, args]() {
        auto mine = args;
        std::apply(kernel, mine);
    };
}
template <class... A>
ThreadBody bindParams(void (*kernel)(A...), void** params) {
    return bindParams(kernel, params, std::index_sequence_for<A...>{});
}

struct Registrar {
    Registrar(const char* name, Binder binder) { registerKernel(name, binder); }
};
}  // namespace attune_emu

#define ATTUNE_EMU_KERNEL(k) \
    static attune_emu::Registrar attune_emu_registrar_##k(#k, [](void** p) { return attune_emu::bindParams(&k, p); });
