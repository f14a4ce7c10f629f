// Shared helpers of Attune's kernels: operand kinds, the strided-index layout, block reductions.
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

// Sum over a block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ __forceinline__ float blockSum(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float blockMax(float v, float* scratch) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -INFINITY;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
