// Kernels that test the emulator itself (compiled into the emulator only, never by nvcc): each one
// either computes something the test knows, or breaks a CUDA rule that the emulator must report.
#include "attune.cuh"

// out[i] = the TF32 rounding of x[i] (cvt.rna.tf32.f32), one thread per element.
extern "C" __global__ void emu_selftest_tf32(const float* x, unsigned* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = attune_emu::cvtRnaTf32(x[i]);
}

// One warp: D = A B + C for a row-major 16x8 A, 8x8 B and 16x8 C, each lane loading its fragments
// with the PTX ISA's m16n8k8 layout (g = lane / 4, t = lane % 4) and storing its part of D.
extern "C" __global__ void emu_selftest_mma(const float* a, const float* b, const float* c, float* d) {
    int lane = threadIdx.x, g = lane >> 2, t = lane & 3;
    unsigned af[4] = {attune_emu::cvtRnaTf32(a[g * 8 + t]), attune_emu::cvtRnaTf32(a[(g + 8) * 8 + t]),
                      attune_emu::cvtRnaTf32(a[g * 8 + t + 4]), attune_emu::cvtRnaTf32(a[(g + 8) * 8 + t + 4])};
    unsigned bf[2] = {attune_emu::cvtRnaTf32(b[t * 8 + g]), attune_emu::cvtRnaTf32(b[(t + 4) * 8 + g])};
    float acc[4] = {c[g * 8 + 2 * t], c[g * 8 + 2 * t + 1], c[(g + 8) * 8 + 2 * t], c[(g + 8) * 8 + 2 * t + 1]};
    attune_emu::mmaTf32(acc, af, bf);
    d[g * 8 + 2 * t] = acc[0];
    d[g * 8 + 2 * t + 1] = acc[1];
    d[(g + 8) * 8 + 2 * t] = acc[2];
    d[(g + 8) * 8 + 2 * t + 1] = acc[3];
}

// out[i] = the sum over the block of x (blockSum: shuffles and barriers), one block per row of blockDim.x.
extern "C" __global__ void emu_selftest_block_sum(const float* x, float* out) {
    __shared__ float scratch[32];
    float s = blockSum(x[blockIdx.x * blockDim.x + threadIdx.x], scratch);
    if (threadIdx.x == 0) out[blockIdx.x] = s;
}

// Broken: only the first half of the block reaches the barrier (on a GPU, a hang).
extern "C" __global__ void emu_selftest_divergent_barrier(float* out) {
    if (threadIdx.x < blockDim.x / 2) {
        __syncthreads();
        out[threadIdx.x] = 1.f;
    }
}

// Broken: lanes 16..31 return before the warp's shuffle (on a GPU, undefined values).
extern "C" __global__ void emu_selftest_shuffle_after_return(float* out) {
    if ((threadIdx.x & 31) >= 16) return;
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.f, 1);
}

// Writes out[0 .. n) whatever the size of out (the test gives it too small a block).
extern "C" __global__ void emu_selftest_write(float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = (float) i;
}

// Reads dynamic shared memory that no thread wrote (the emulator starts it as NaN).
extern "C" __global__ void emu_selftest_unset_shared(float* out) {
    extern __shared__ float smem[];
    out[threadIdx.x] = smem[threadIdx.x];
}

// Broken: reads its neighbour's shared-memory slot with no barrier after the writes (a race). Block b
// writes out[b * blockDim.x + t].
extern "C" __global__ void emu_selftest_race(float* out) {
    extern __shared__ float smem[];
    int t = threadIdx.x;
    smem[t] = (float) t;
    out[blockIdx.x * blockDim.x + t] = smem[(t + 1) % blockDim.x];
}
