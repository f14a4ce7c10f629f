// Indexing over the (outer, n, inner) layout; index values are checked by the caller.
//   indexSelect: out[o, j, i] = src[o, index[j], i]            (any 4-byte dtype, copied bit for bit)
//   indexAdd:    dst[o, index[j], i] += src[o, j, i]           (float atomics: repeated indices add up)
//   gather:      out[o, j, i] = src[o, index[o, j, i], i]
//   scatterAdd:  dst[o, index[o, j, i], i] += src[o, j, i]     (float atomics)
// With atomics the order of the additions into one element is not fixed, so sums of repeated
// indices may differ from the CPU in the last bits.
#include "attune.cuh"

extern "C" __global__ void attune_index_select(const unsigned int* __restrict__ src, int outer, int n, int inner,
                                               const int* __restrict__ index, int m, unsigned int* __restrict__ out) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) outer * m * inner) return;
    int i = (int) (p % inner);
    long long r = p / inner;
    int j = (int) (r % m);
    long long o = r / m;
    out[p] = src[(o * n + index[j]) * inner + i];
}

extern "C" __global__ void attune_index_add(const float* __restrict__ src, int outer, int m, int inner,
                                            const int* __restrict__ index, float* __restrict__ dst, int n) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) outer * m * inner) return;
    int i = (int) (p % inner);
    long long r = p / inner;
    int j = (int) (r % m);
    long long o = r / m;
    atomicAdd(dst + (o * n + index[j]) * inner + i, src[p]);
}

extern "C" __global__ void attune_gather(const float* __restrict__ src, int outer, int n, int inner,
                                         const int* __restrict__ index, int m, float* __restrict__ out) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) outer * m * inner) return;
    int i = (int) (p % inner);
    long long o = p / ((long long) m * inner);
    out[p] = src[(o * n + index[p]) * inner + i];
}

extern "C" __global__ void attune_scatter_add(const float* __restrict__ src, int outer, int m, int inner,
                                              const int* __restrict__ index, float* __restrict__ dst, int n) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) outer * m * inner) return;
    int i = (int) (p % inner);
    long long o = p / ((long long) m * inner);
    atomicAdd(dst + (o * n + index[p]) * inner + i, src[p]);
}
