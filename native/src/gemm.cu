// Batched strided SGEMM, row-major, every transpose case (the Backend.gemm contract):
//   C_p = alpha op(A_p) op(B_p) + beta C_p for p < batch, op(A_p) (m x k), op(B_p) (k x n), C_p (m x n);
//   op(A)[i][q] = transA ? A[q*lda + i] : A[i*lda + q], op(B)[q][j] = transB ? B[j*ldb + q] : B[q*ldb + j],
//   A_p = A + p*strideA (likewise B, C). With beta == 0, C is not read (NaN in C does not propagate), as in BLAS.
// attune_sgemm: FP32. A 128x128 tile of C per block of 256 threads, k in steps of 8 through shared
//   memory; each thread accumulates an 8x8 register block (rows ty*4 + {0..3} and 64 + ty*4 + {0..3},
//   likewise columns), so the shared-memory reads are float4 and conflict-free.
// attune_sgemm_tf32: the same contract on tensor cores (sm_80+): A and B rounded to TF32
//   (10-bit mantissa), products accumulated in FP32 by mma.sync.m16n8k8. A 128x128 tile per block of
//   8 warps, each warp a 64x32 sub-tile (4 x 4 mma tiles), k in steps of 16.
#include "attune.cuh"

#define BM 128
#define BN 128
#define BK 8

__device__ __forceinline__ float loadA(const float* a, int lda, bool trans, int i, int q, int m, int k) {
    if (i >= m || q >= k) return 0.f;
    return trans ? a[(long long) q * lda + i] : a[(long long) i * lda + q];
}

__device__ __forceinline__ float loadB(const float* b, int ldb, bool trans, int q, int j, int k, int n) {
    if (q >= k || j >= n) return 0.f;
    return trans ? b[(long long) j * ldb + q] : b[(long long) q * ldb + j];
}

extern "C" __global__ void __launch_bounds__(256) attune_sgemm(
        int transA, int transB, int m, int n, int k, float alpha,
        const float* __restrict__ a, int lda, long long strideA,
        const float* __restrict__ b, int ldb, long long strideB, float beta,
        float* __restrict__ c, int ldc, long long strideC) {
    __shared__ __align__(16) float As[BK][BM];
    __shared__ __align__(16) float Bs[BK][BN];
    int batch = blockIdx.z;
    a += batch * strideA;
    b += batch * strideB;
    c += batch * strideC;
    int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    float acc[8][8];
#pragma unroll
    for (int r = 0; r < 8; r++)
#pragma unroll
        for (int s = 0; s < 8; s++) acc[r][s] = 0.f;

    for (int q0 = 0; q0 < k; q0 += BK) {
        // Each thread stages 4 elements of each tile; the walk follows the operand's contiguous axis.
#pragma unroll
        for (int e = 0; e < 4; e++) {
            int ai, aq, bq, bj;
            if (transA) { aq = tid / 32; ai = (tid % 32) * 4 + e; }   // stored (k, m): contiguous along m
            else { ai = tid / 2; aq = (tid % 2) * 4 + e; }            // stored (m, k): contiguous along k
            if (transB) { bj = tid / 2; bq = (tid % 2) * 4 + e; }     // stored (n, k): contiguous along k
            else { bq = tid / 32; bj = (tid % 32) * 4 + e; }          // stored (k, n): contiguous along n
            As[aq][ai] = loadA(a, lda, transA, row0 + ai, q0 + aq, m, k);
            Bs[bq][bj] = loadB(b, ldb, transB, q0 + bq, col0 + bj, k, n);
        }
        __syncthreads();
#pragma unroll
        for (int q = 0; q < BK; q++) {
            float4 a0 = *reinterpret_cast<const float4*>(&As[q][ty * 4]);
            float4 a1 = *reinterpret_cast<const float4*>(&As[q][64 + ty * 4]);
            float4 b0 = *reinterpret_cast<const float4*>(&Bs[q][tx * 4]);
            float4 b1 = *reinterpret_cast<const float4*>(&Bs[q][64 + tx * 4]);
            float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int r = 0; r < 8; r++)
#pragma unroll
                for (int s = 0; s < 8; s++) acc[r][s] = fmaf(av[r], bv[s], acc[r][s]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int r = 0; r < 8; r++) {
        int i = row0 + (r < 4 ? ty * 4 + r : 64 + ty * 4 + r - 4);
        if (i >= m) continue;
#pragma unroll
        for (int s = 0; s < 8; s++) {
            int j = col0 + (s < 4 ? tx * 4 + s : 64 + tx * 4 + s - 4);
            if (j >= n) continue;
            float* out = c + (long long) i * ldc + j;
            *out = beta == 0.f ? alpha * acc[r][s] : alpha * acc[r][s] + beta * *out;
        }
    }
}

#define TBK 16
#define TPAD 8  // row padding that makes the fragment reads below conflict-free

// The two tensor-core instructions; the CPU emulator (native/emu) supplies their emulations.
__device__ __forceinline__ unsigned toTf32(float x) {
#ifdef ATTUNE_CUDA_EMULATOR
    return attune_emu::cvtRnaTf32(x);
#else
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
#endif
}

// d += a b for one 16x8x8 tile: a, b TF32 fragments, d FP32 (fragment layouts in the PTX ISA, m16n8k8).
__device__ __forceinline__ void mmaTf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
#ifdef ATTUNE_CUDA_EMULATOR
    attune_emu::mmaTf32(d, a, b);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

extern "C" __global__ void __launch_bounds__(256) attune_sgemm_tf32(
        int transA, int transB, int m, int n, int k, float alpha,
        const float* __restrict__ a, int lda, long long strideA,
        const float* __restrict__ b, int ldb, long long strideB, float beta,
        float* __restrict__ c, int ldc, long long strideC) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    __shared__ float As[TBK][BM + TPAD];
    __shared__ float Bs[TBK][BN + TPAD];
    int batch = blockIdx.z;
    a += batch * strideA;
    b += batch * strideB;
    c += batch * strideC;
    int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int wm = (warp / 4) * 64, wn = (warp % 4) * 32;  // the warp's sub-tile: 2 x 4 warps
    int group = lane >> 2, tig = lane & 3;
    float acc[4][4][4];
#pragma unroll
    for (int x = 0; x < 4; x++)
#pragma unroll
        for (int y = 0; y < 4; y++)
#pragma unroll
            for (int z = 0; z < 4; z++) acc[x][y][z] = 0.f;

    for (int q0 = 0; q0 < k; q0 += TBK) {
        // 128 x 16 elements per operand tile, 8 per thread, walking the operand's contiguous axis.
#pragma unroll
        for (int e = 0; e < 8; e++) {
            int ai, aq, bq, bj;
            if (transA) { aq = tid / 16; ai = (tid % 16) * 8 + e; }
            else { ai = tid / 2; aq = (tid % 2) * 8 + e; }
            if (transB) { bj = tid / 2; bq = (tid % 2) * 8 + e; }
            else { bq = tid / 16; bj = (tid % 16) * 8 + e; }
            As[aq][ai] = loadA(a, lda, transA, row0 + ai, q0 + aq, m, k);
            Bs[bq][bj] = loadB(b, ldb, transB, q0 + bq, col0 + bj, k, n);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TBK; kk += 8) {
            unsigned af[4][4], bf[4][2];
#pragma unroll
            for (int x = 0; x < 4; x++) {
                int r = wm + x * 16 + group;
                af[x][0] = toTf32(As[kk + tig][r]);
                af[x][1] = toTf32(As[kk + tig][r + 8]);
                af[x][2] = toTf32(As[kk + tig + 4][r]);
                af[x][3] = toTf32(As[kk + tig + 4][r + 8]);
            }
#pragma unroll
            for (int y = 0; y < 4; y++) {
                int col = wn + y * 8 + group;
                bf[y][0] = toTf32(Bs[kk + tig][col]);
                bf[y][1] = toTf32(Bs[kk + tig + 4][col]);
            }
#pragma unroll
            for (int x = 0; x < 4; x++)
#pragma unroll
                for (int y = 0; y < 4; y++) mmaTf32(acc[x][y], af[x], bf[y]);
        }
        __syncthreads();
    }
    // Accumulator fragment: element z of tile (x, y) is row group (+8 for z >= 2), column 2 tig (+1 for odd z).
#pragma unroll
    for (int x = 0; x < 4; x++)
#pragma unroll
        for (int y = 0; y < 4; y++)
#pragma unroll
            for (int z = 0; z < 4; z++) {
                int i = row0 + wm + x * 16 + group + (z >= 2 ? 8 : 0);
                int j = col0 + wn + y * 8 + tig * 2 + (z & 1);
                if (i < m && j < n) {
                    float* out = c + (long long) i * ldc + j;
                    *out = beta == 0.f ? alpha * acc[x][y][z] : alpha * acc[x][y][z] + beta * *out;
                }
            }
#endif
}
