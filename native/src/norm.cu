// Layer norm and batch norm, forward and backward (the Backend contract's layerNorm,
// layerNormBackward, channelMoments, channelNormalize, batchNormBackward).
//   layer norm over each row of `cols`: mean = sum_j x_j / cols, var = sum_j (x_j - mean)^2 / cols,
//     rstd = 1 / sqrt(var + eps), y_j = (x_j - mean) rstd gamma_j + beta_j
//   its backward with xhat = (x - mean) rstd, g = gy gamma:
//     gx = rstd (g - mean_j g - xhat mean_j(g xhat)), gGamma_j = sum_rows gy xhat, gBeta_j = sum_rows gy
//   batch statistics of (outer, C, inner) per channel c: biased mean and variance over outer and inner
//   normalisation: y = (x - mean_c) invStd_c gamma_c + beta_c
//   batch-norm backward (m = outer inner): gx = gamma invStd (gy - mean(gy) - xhat mean(gy xhat)),
//     gGamma = sum gy xhat, gBeta = sum gy
// Row and channel statistics use one block each with two passes over the data (mean, then the
// centred sum of squares), as the CPU backend does.
#include "attune.cuh"

extern "C" __global__ void attune_layer_norm(const float* __restrict__ x, const float* __restrict__ gamma,
                                             const float* __restrict__ beta, int rows, int cols, float eps,
                                             float* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    const float* xr = x + (long long) row * cols;
    float* yr = y + (long long) row * cols;
    float s = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += xr[j];
    float mu = blockSum(s, scratch) / cols;
    float v = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float d = xr[j] - mu;
        v += d * d;
    }
    float inv = rsqrtf(blockSum(v, scratch) / cols + eps);
    if (threadIdx.x == 0) {
        mean[row] = mu;
        rstd[row] = inv;
    }
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float h = (xr[j] - mu) * inv;
        yr[j] = (gamma ? h * gamma[j] : h) + (beta ? beta[j] : 0.f);
    }
}

extern "C" __global__ void attune_layer_norm_backward(const float* __restrict__ x, const float* __restrict__ gamma,
                                                      const float* __restrict__ mean, const float* __restrict__ rstd,
                                                      const float* __restrict__ gy, int rows, int cols, float* __restrict__ gx) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    long long base = (long long) row * cols;
    float m = mean[row], inv = rstd[row];
    float sg = 0.f, sgh = 0.f;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float g = gamma ? gy[base + j] * gamma[j] : gy[base + j];
        sg += g;
        sgh += g * ((x[base + j] - m) * inv);
    }
    float meanG = blockSum(sg, scratch) / cols;
    float meanGH = blockSum(sgh, scratch) / cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float g = gamma ? gy[base + j] * gamma[j] : gy[base + j];
        float h = (x[base + j] - m) * inv;
        gx[base + j] = inv * (g - meanG - h * meanGH);
    }
}

// gGamma and gBeta: one thread per column sums over rows (neighbouring threads read neighbouring columns).
extern "C" __global__ void attune_layer_norm_param_grads(const float* __restrict__ x, const float* __restrict__ mean,
                                                         const float* __restrict__ rstd, const float* __restrict__ gy,
                                                         int rows, int cols, float* __restrict__ gGamma, float* __restrict__ gBeta) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    float sg = 0.f, sb = 0.f;
    for (int r = 0; r < rows; r++) {
        long long q = (long long) r * cols + j;
        float g = gy[q];
        sg += g * ((x[q] - mean[r]) * rstd[r]);
        sb += g;
    }
    if (gGamma) gGamma[j] = sg;
    if (gBeta) gBeta[j] = sb;
}

extern "C" __global__ void attune_channel_moments(const float* __restrict__ x, int outer, int channels, int inner,
                                                  float* __restrict__ mean, float* __restrict__ var) {
    __shared__ float scratch[32];
    int c = blockIdx.x;
    if (c >= channels) return;
    long long count = (long long) outer * inner;
    float s = 0.f;
    for (long long q = threadIdx.x; q < count; q += blockDim.x) {
        long long o = q / inner, i = q % inner;
        s += x[(o * channels + c) * inner + i];
    }
    float mu = blockSum(s, scratch) / (float) count;
    float v = 0.f;
    for (long long q = threadIdx.x; q < count; q += blockDim.x) {
        long long o = q / inner, i = q % inner;
        float d = x[(o * channels + c) * inner + i] - mu;
        v += d * d;
    }
    v = blockSum(v, scratch) / (float) count;
    if (threadIdx.x == 0) {
        mean[c] = mu;
        var[c] = v;
    }
}

extern "C" __global__ void attune_channel_normalize(const float* __restrict__ x, int outer, int channels, int inner,
                                                    const float* __restrict__ mean, const float* __restrict__ invStd,
                                                    const float* __restrict__ gamma, const float* __restrict__ beta,
                                                    float* __restrict__ y) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) outer * channels * inner) return;
    int c = (int) ((p / inner) % channels);
    float scale = invStd[c] * (gamma ? gamma[c] : 1.f);
    float shift = (beta ? beta[c] : 0.f) - mean[c] * scale;
    y[p] = x[p] * scale + shift;
}

extern "C" __global__ void attune_batch_norm_backward(const float* __restrict__ x, const float* __restrict__ gy,
                                                      int outer, int channels, int inner,
                                                      const float* __restrict__ mean, const float* __restrict__ invStd,
                                                      const float* __restrict__ gamma, float* __restrict__ gx,
                                                      float* __restrict__ gGamma, float* __restrict__ gBeta) {
    __shared__ float scratch[32];
    int c = blockIdx.x;
    if (c >= channels) return;
    long long count = (long long) outer * inner;
    float m = mean[c], inv = invStd[c];
    float sg = 0.f, sgh = 0.f;
    for (long long q = threadIdx.x; q < count; q += blockDim.x) {
        long long at = ((q / inner) * channels + c) * inner + q % inner;
        float g = gy[at];
        sg += g;
        sgh += g * ((x[at] - m) * inv);
    }
    sg = blockSum(sg, scratch);
    sgh = blockSum(sgh, scratch);
    if (threadIdx.x == 0) {
        if (gGamma) gGamma[c] = sgh;
        if (gBeta) gBeta[c] = sg;
    }
    float meanG = sg / (float) count, meanGH = sgh / (float) count;
    float scale = inv * (gamma ? gamma[c] : 1.f);
    for (long long q = threadIdx.x; q < count; q += blockDim.x) {
        long long at = ((q / inner) * channels + c) * inner + q % inner;
        float h = (x[at] - m) * inv;
        gx[at] = scale * (gy[at] - meanG - h * meanGH);
    }
}
