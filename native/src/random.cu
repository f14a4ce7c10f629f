// Counter-based random numbers, the same function as dev.attune.kernels.CounterRng
// (mix64, counterBits and counterUniform live in attune.cuh, shared with attention dropout):
//   mix(z) = SplitMix64 finaliser; bits(seed, i) = mix(mix(seed) + (i + 1) * 0x9E3779B97F4A7C15)
//   uniform(i) = (bits >> 40) * 2^-24; normal(i) = sqrt(-2 ln u1) cos(2 pi u2) from the two 24-bit
//   halves u1 = ((bits >> 40) + 1) 2^-24, u2 = ((bits >> 16) & 0xFFFFFF) 2^-24, in double
//   out[i] = UNIFORM a + (b - a) u | NORMAL a + b n | BERNOULLI (u < a ? 1 : 0), at position counter + i
// Float arithmetic uses explicit round-to-nearest operations so that nvcc cannot contract it into
// an FMA: uniform and Bernoulli values are bit-identical to the CPU's; normal values agree to the
// last bit of double log/cos (CUDA's and Java's differ by at most an ulp before the float rounding).
#include "attune.cuh"

enum Distribution { UNIFORM, NORMAL, BERNOULLI };

extern "C" __global__ void attune_random(int dist, float a, float b, long long seed, long long counter, float* __restrict__ out, int size) {
    int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= size) return;
    unsigned long long key = mix64((unsigned long long) seed);
    unsigned long long pos = (unsigned long long) counter + (unsigned long long) k;
    float v;
    if (dist == UNIFORM) {
        v = __fadd_rn(a, __fmul_rn(__fsub_rn(b, a), counterUniform(key, pos)));
    } else if (dist == NORMAL) {
        unsigned long long r = counterBits(key, pos);
        double u1 = __dmul_rn((double) ((r >> 40) + 1), 1.0 / 16777216.0);
        double u2 = __dmul_rn((double) ((r >> 16) & 0xFFFFFFull), 1.0 / 16777216.0);
        float z = (float) __dmul_rn(sqrt(-2.0 * log(u1)), cos(__dmul_rn(2.0 * 3.14159265358979323846, u2)));
        v = __fadd_rn(a, __fmul_rn(b, z));
    } else {
        v = counterUniform(key, pos) < a ? 1.f : 0.f;
    }
    out[k] = v;
}
