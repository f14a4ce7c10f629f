// Shared helpers of Attune's kernels: operand kinds, the strided-index layout, the sigmoid, warp and block reductions,
// the counter-based random numbers.
#pragma once
#include <cstdint>

// Storage kinds: FLOAT32 is float; INT32 and BOOL are stored as 32-bit ints (BOOL holds 0/1).
#define KIND_FLOAT 0
#define KIND_INT 1
#define KIND_BOOL 2

#define ATTUNE_MAX_RANK 8

// Up to four strided operands over one shape (rank <= 8 after the host merges dims).
// Element `linear` (row-major over shape) of operand q lives at sum_d idx_d * st[q][d].
struct Layout {
    int rank;
    int shape[ATTUNE_MAX_RANK];
    int st[4][ATTUNE_MAX_RANK];
};

__device__ __forceinline__ void layoutOffsets(const Layout& L, int linear, int nops, int* off) {
    for (int q = 0; q < 4; q++) off[q] = 0;
    for (int d = L.rank - 1; d >= 0; d--) {
        int s = L.shape[d];
        int idx = linear % s;
        linear /= s;
        for (int q = 0; q < nops; q++) off[q] += idx * L.st[q][d];
    }
}

__device__ __forceinline__ float loadAsFloat(const void* p, int kind, int i) {
    return kind == KIND_FLOAT ? static_cast<const float*>(p)[i] : (float) static_cast<const int*>(p)[i];
}

// The logistic sigmoid; two branches keep exp's argument non-positive: no overflow for large |v|.
__device__ __forceinline__ float sigmoidf(float v) {
    if (v >= 0.f) return 1.f / (1.f + expf(-v));
    float e = expf(v);
    return e / (1.f + e);
}

// Sum and max over the 32 lanes of a warp (all lanes active); every lane gets the result.
__device__ __forceinline__ float warpSum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warpMax(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over a block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ __forceinline__ float blockSum(float v, float* scratch) {
    v = warpSum(v);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.f;
    return warpSum(v);
}

__device__ __forceinline__ float blockMax(float v, float* scratch) {
    v = warpMax(v);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -INFINITY;
    return warpMax(v);
}

// Counter-based random numbers, the same function as dev.attune.kernels.CounterRng (random.cu
// states the arithmetic): the 64 bits at stream position `index` of the generator whose mixed
// seed is `key` = mix64(seed), and the 24-bit uniform on [0, 1) made from them.
__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__device__ __forceinline__ unsigned long long counterBits(unsigned long long key, unsigned long long index) {
    return mix64(key + (index + 1ull) * 0x9E3779B97F4A7C15ull);
}

// An explicit round-to-nearest multiply, so the value is bit-identical to Java's float product.
__device__ __forceinline__ float counterUniform(unsigned long long key, unsigned long long index) {
    return __fmul_rn((float) (counterBits(key, index) >> 40), 1.0f / 16777216.0f);
}
