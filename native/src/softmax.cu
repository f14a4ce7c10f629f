// Softmax and log-softmax along the middle axis of (outer, n, inner), forward and backward:
//   forward:  m = max_j x_j, s = sum_j exp(x_j - m); softmax y_j = exp(x_j - m) / s; log-softmax y_j = x_j - m - log s
//   backward: softmax gx_j = y_j (gy_j - sum_k gy_k y_k); log-softmax gx_j = gy_j - exp(y_j) sum_k gy_k
// A row of -inf gives NaN, as on the CPU and in PyTorch. inner == 1 uses one block per row
// (block reductions); inner > 1 uses one thread per (o, i) column, coalesced across i.
#include "attune.cuh"

extern "C" __global__ void attune_softmax_rows(int log, const float* __restrict__ x, float* __restrict__ y, int rows, int n) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    const float* xr = x + (long long) row * n;
    float* yr = y + (long long) row * n;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = blockMax(m, scratch);
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) s += expf(xr[j] - m);
    s = blockSum(s, scratch);
    if (log) {
        float lse = m + logf(s);
        for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = xr[j] - lse;
    } else {
        float inv = 1.f / s;
        for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = expf(xr[j] - m) * inv;
    }
}

extern "C" __global__ void attune_softmax_cols(int log, const float* __restrict__ x, float* __restrict__ y,
                                               int outer, int n, int inner) {
    int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= outer * inner) return;
    int o = p / inner, i = p % inner;
    long long base = (long long) o * n * inner + i;
    float m = -INFINITY;
    for (int j = 0; j < n; j++) m = fmaxf(m, x[base + (long long) j * inner]);
    float s = 0.f;
    for (int j = 0; j < n; j++) s += expf(x[base + (long long) j * inner] - m);
    if (log) {
        float lse = m + logf(s);
        for (int j = 0; j < n; j++) y[base + (long long) j * inner] = x[base + (long long) j * inner] - lse;
    } else {
        float inv = 1.f / s;
        for (int j = 0; j < n; j++) y[base + (long long) j * inner] = expf(x[base + (long long) j * inner] - m) * inv;
    }
}

extern "C" __global__ void attune_softmax_backward_rows(int log, const float* __restrict__ y, const float* __restrict__ gy,
                                                        float* __restrict__ gx, int rows, int n) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long base = (long long) row * n;
    float dot = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) dot += log ? gy[base + j] : gy[base + j] * y[base + j];
    dot = blockSum(dot, scratch);
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        long long q = base + j;
        gx[q] = log ? gy[q] - expf(y[q]) * dot : y[q] * (gy[q] - dot);
    }
}

extern "C" __global__ void attune_softmax_backward_cols(int log, const float* __restrict__ y, const float* __restrict__ gy,
                                                        float* __restrict__ gx, int outer, int n, int inner) {
    int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= outer * inner) return;
    int o = p / inner, i = p % inner;
    long long base = (long long) o * n * inner + i;
    float dot = 0.f;
    for (int j = 0; j < n; j++) {
        long long q = base + (long long) j * inner;
        dot += log ? gy[q] : gy[q] * y[q];
    }
    for (int j = 0; j < n; j++) {
        long long q = base + (long long) j * inner;
        gx[q] = log ? gy[q] - expf(y[q]) * dot : y[q] * (gy[q] - dot);
    }
}
