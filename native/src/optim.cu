// The fused Adam / AdamW update (Backend.adamStep), in place, one thread per element. With the float
// scalars b1 = beta1, c1 = 1 - beta1, b2 = beta2, c2 = 1 - beta2, eps, decay (lambda for L2, the factor
// 1 - lr lambda for DECOUPLED), stepSize = lr / (1 - beta1^t) and bias2 = sqrt(1 - beta2^t):
//   g <- g + lambda p             (L2)            p <- p (1 - lr lambda)      (DECOUPLED)
//   m <- b1 m + c1 g              v <- b2 v + c2 g^2
//   vmax <- max(vmax, v), used as v below          (AMSGrad: only when vmax is not null)
//   p <- p + (m / (sqrt(v) / bias2 + eps)) (-stepSize)
// Every operation is a round-to-nearest intrinsic (a product by a scalar as __fmaf_rn(x, s, 0), the
// rounding of Tensor.mul(float); the rest __fadd_rn, __fmul_rn, __fdiv_rn, __fsqrt_rn), so nvcc contracts
// nothing: the CPU backend performs the same correctly rounded operations in the same order, and both
// give the same bits.
#include "attune.cuh"

// AdamScalars.WeightDecay's ordinals.
enum WeightDecay { DECAY_NONE, DECAY_L2, DECAY_DECOUPLED };

// Java's Math.max: NaN if either is NaN (a's first), +0 above -0.
__device__ __forceinline__ float javaMax(float a, float b) {
    if (a != a) return a;
    if (a == 0.f && b == 0.f && signbit(a)) return b;
    return a >= b ? a : b;
}

extern "C" __global__ void attune_adam_step(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m,
                                            float* __restrict__ v, float* __restrict__ vmax, int n, float b1, float c1,
                                            float b2, float c2, float eps, int decayMode, float decay, float stepSize,
                                            float bias2) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float w = p[i], gr = g[i];
    if (decayMode == DECAY_L2) gr = __fadd_rn(gr, __fmaf_rn(w, decay, 0.f));
    else if (decayMode == DECAY_DECOUPLED) w = __fmaf_rn(w, decay, 0.f);
    float mk = __fadd_rn(__fmaf_rn(m[i], b1, 0.f), __fmaf_rn(gr, c1, 0.f));
    float vk = __fadd_rn(__fmaf_rn(v[i], b2, 0.f), __fmaf_rn(__fmul_rn(gr, gr), c2, 0.f));
    m[i] = mk;
    v[i] = vk;
    if (vmax) {
        vk = javaMax(vmax[i], vk);
        vmax[i] = vk;
    }
    float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vk), bias2), eps);
    p[i] = __fadd_rn(w, __fmaf_rn(__fdiv_rn(mk, denom), -stepSize, 0.f));
}
