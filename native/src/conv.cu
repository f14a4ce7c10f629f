// Convolution helpers.
//   im2col: cols[img, (ch, ki, kj), (oy, ox)] = x[img, ch, oy*sh - ph + ki*dh, ox*sw - pw + kj*dw] (0 outside the image)
//   col2im: its adjoint, x[img, ch, iy, ix] += sum of the columns that read (iy, ix); one thread per
//           input element gathers its taps, so no atomics and a fixed summation order
//   depthwise conv1d: y[b, c, t] = bias[c] + sum_j w[c, j] x[b, c, t*stride - pad + j*dil] (0 outside [0, l))
//   its backward: gx[b, c, i] = sum over (t, j) with t*stride - pad + j*dil = i of w[c, j] gy[b, c, t]
//                 gw[c, j] = sum_{b, t} gy[b, c, t] x[b, c, t*stride - pad + j*dil]
// All channels run in one launch.
#include "attune.cuh"

extern "C" __global__ void attune_im2col(const float* __restrict__ x, int n, int c, int h, int w, int kh, int kw,
                                         int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow,
                                         float* __restrict__ cols) {
    long long total = (long long) n * c * kh * kw * oh * ow;
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= total) return;
    int ox = (int) (p % ow);
    long long r = p / ow;
    int oy = (int) (r % oh);
    r /= oh;
    int kj = (int) (r % kw);
    r /= kw;
    int ki = (int) (r % kh);
    r /= kh;  // r = img * c + ch
    int iy = oy * sh - ph + ki * dh, ix = ox * sw - pw + kj * dw;
    cols[p] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(r * h + iy) * w + ix] : 0.f;
}

extern "C" __global__ void attune_col2im(const float* __restrict__ cols, int n, int c, int h, int w, int kh, int kw,
                                         int sh, int sw, int ph, int pw, int dh, int dw, int oh, int ow,
                                         float* __restrict__ x) {
    long long total = (long long) n * c * h * w;
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= total) return;
    int ix = (int) (p % w), iy = (int) ((p / w) % h);
    long long ic = p / ((long long) h * w);  // img * c + ch
    float acc = 0.f;
    for (int ki = 0; ki < kh; ki++) {
        int ty = iy + ph - ki * dh;  // = oy * sh
        if (ty < 0 || ty % sh != 0) continue;
        int oy = ty / sh;
        if (oy >= oh) continue;
        for (int kj = 0; kj < kw; kj++) {
            int tx = ix + pw - kj * dw;
            if (tx < 0 || tx % sw != 0) continue;
            int ox = tx / sw;
            if (ox >= ow) continue;
            acc += cols[((ic * kh + ki) * kw + kj) * oh * ow + (long long) oy * ow + ox];
        }
    }
    x[p] += acc;
}

extern "C" __global__ void attune_depthwise_conv1d(const float* __restrict__ x, const float* __restrict__ w,
                                                   const float* __restrict__ bias, int n, int c, int l, int k,
                                                   int stride, int pad, int dil, int lout, float* __restrict__ y) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) n * c * lout) return;
    int t = (int) (p % lout);
    long long bc = p / lout;
    int ch = (int) (bc % c);
    const float* xr = x + bc * l;
    const float* wr = w + (long long) ch * k;
    int start = t * stride - pad;
    float acc = bias ? bias[ch] : 0.f;
    for (int j = 0; j < k; j++) {
        int i = start + j * dil;
        if (i >= 0 && i < l) acc += wr[j] * xr[i];
    }
    y[p] = acc;
}

extern "C" __global__ void attune_depthwise_conv1d_backward_input(const float* __restrict__ w, const float* __restrict__ gy,
                                                                  int n, int c, int l, int k, int stride, int pad, int dil,
                                                                  int lout, float* __restrict__ gx) {
    long long p = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long) n * c * l) return;
    int i = (int) (p % l);
    long long bc = p / l;
    int ch = (int) (bc % c);
    const float* gr = gy + bc * lout;
    const float* wr = w + (long long) ch * k;
    float acc = 0.f;
    for (int j = 0; j < k; j++) {
        int s = i + pad - j * dil;  // = t * stride
        if (s < 0 || s % stride != 0) continue;
        int t = s / stride;
        if (t < lout) acc += wr[j] * gr[t];
    }
    gx[p] = acc;
}

// One block per weight (ch, j): the block sums gy * x over (batch, time).
extern "C" __global__ void attune_depthwise_conv1d_backward_weight(const float* __restrict__ x, const float* __restrict__ gy,
                                                                   int n, int c, int l, int k, int stride, int pad, int dil,
                                                                   int lout, float* __restrict__ gw) {
    __shared__ float scratch[32];
    int ch = blockIdx.x / k, j = blockIdx.x % k;
    if (ch >= c) return;
    long long count = (long long) n * lout;
    float acc = 0.f;
    for (long long q = threadIdx.x; q < count; q += blockDim.x) {
        int b = (int) (q / lout), t = (int) (q % lout);
        int i = t * stride - pad + j * dil;
        long long bc = (long long) b * c + ch;
        if (i >= 0 && i < l) acc += gy[bc * lout + t] * x[bc * l + i];
    }
    acc = blockSum(acc, scratch);
    if (threadIdx.x == 0) gw[(long long) ch * k + j] = acc;
}
