// Fused scaled dot-product attention (flash style: no (tq, tk) matrix in device memory), for
// n*h heads (bh = b h + hh) with query rows i < tq, keys j < tk and head size d <= ATT_MAX_D:
//   S_ij = scale (q_i . k_j + qPos_i . pos_j)      (pos of batch b, or batch 0 when pBatch = 1)
//   S_ij = -inf where keyPadding[b, j]
//   lse_i = log sum_j exp(S_ij)                      (-inf when every key of the row is padded)
//   P_ij = exp(S_ij - lse_i),  Z_ij = M_ij / (1 - p)
//   out_i = sum_j P_ij Z_ij v_j                      (0 on a fully padded row)
// M is the dropout keep-mask: M_ij = [u < 1 - p] for the counter-RNG uniform u at stream position
// counter + ((bh tq + i) tk + j), the Bernoulli draw Backend.random makes for an (n, h, tq, tk)
// tensor, so the mask is the one Generator.bernoulli gives F.dropout for the same seed. The host
// passes keepProb = 1 - p and dropScale = 1 / (1 - p) rounded as Java does; keepProb = 1 is no dropout.
// Backward with dO = gOut:
//   D_i = sum_c dO_ic out_ic,  dP_ij = Z_ij (dO_i . v_j),  dS_ij = P_ij (dP_ij - D_i)
//   gq_i = scale sum_j dS_ij k_j,        gqPos_i = scale sum_j dS_ij pos_j
//   gk_j = scale sum_i dS_ij q_i,        gpos_j = scale sum_i dS_ij qPos_i,  gv_j = sum_i P_ij Z_ij dO_i
// (gpos summed over b when pBatch = 1). All operands are dense row-major: q, qPos, out, gOut, gq,
// gqPos (n, h, tq, d); k, v, gk, gv (n, h, tk, d); pos (pBatch, h, tk, d); keyPadding (n, tk) 0/1 ints.
//
// Kernels (128 threads = 4 warps; lanes own either one key/query of a 32-wide tile, for dot
// products over c, or columns c = lane + 32 t, for the accumulations; weights move between the
// two by warp shuffles; tiles read one row per lane have an odd row stride, d | 1, so the 32 lanes
// hit 32 different banks; partial tiles are zero-filled, so rows and keys past the end add exact zeros):
//   attune_attention_forward      one block per (bh, 16 query rows); each warp owns 4 rows and keeps
//                                 their running max, sum and output in registers (online softmax) while
//                                 it walks 32-key tiles of k, pos, v in shared memory.
//   attune_attention_row_dot      D_i, one warp per row.
//   attune_attention_backward_q   one block per (bh, 16 query rows): recomputes P and dP tile by tile
//                                 and accumulates gq, gqPos in registers.
//   attune_attention_backward_kv  one block per (bh, 16 keys); each warp owns 4 keys and accumulates
//                                 gk, gv, gpos in registers while it walks 32-row tiles of q, qPos, dO.
// The backward is a two-kernel split rather than one key-block kernel that adds dq with atomics:
// it recomputes S and dP once more, but every gradient element has one writer, so the gradients are
// deterministic run to run (no float atomics), and neither kernel needs gq zeroed first. With
// pBatch = 1 and n > 1 the kv kernel writes per-batch gpos into an (n, h, tk, d) scratch that the
// host sums over b with attune_reduce_cols (deterministic as well).
#include "attune.cuh"

// Tile sizes; CudaBackend's shared-memory sizes and grids use the same numbers.
#define ATT_MAX_D 128
#define ATT_COLS (ATT_MAX_D / 32)   // output columns per lane
#define ATT_WARPS 4
#define ATT_THREADS (ATT_WARPS * 32)
#define ATT_ROWS 4                  // query rows per warp (forward, backward_q)
#define ATT_BQ (ATT_WARPS * ATT_ROWS)
#define ATT_BK 32                   // keys per tile (forward, backward_q): one per lane
#define ATT_KEYS 4                  // keys per warp (backward_kv)
#define ATT_BKV (ATT_WARPS * ATT_KEYS)
#define ATT_BQT 32                  // query rows per tile (backward_kv): one per lane

// Copies rows [0, rows) of a dense (*, d) source into a (tileRows, ld) shared tile and zero-fills
// rows rows..tileRows-1.
__device__ __forceinline__ void loadTile(float* __restrict__ dst, int ld, const float* __restrict__ src, int rows,
                                         int tileRows, int d) {
    for (int e = threadIdx.x; e < tileRows * d; e += blockDim.x) {
        int r = e / d, c = e - r * d;
        dst[r * ld + c] = r < rows ? src[(long long) r * d + c] : 0.f;
    }
}

// s[r] += sum_c a[r lda + c] b[c]: R rows of a shared tile read as broadcasts (the same address in
// every lane) against this lane's own row b.
template <int R>
__device__ __forceinline__ void rowDots(float (&s)[R], const float* a, int lda, const float* b, int d) {
    for (int c = 0; c < d; c++) {
        float bc = b[c];
#pragma unroll
        for (int r = 0; r < R; r++) s[r] = fmaf(a[r * lda + c], bc, s[r]);
    }
}

// acc[r][t] += sum_{x < count} w[r]@lane x * tile[x ld + c] for the lane's columns c = lane + 32 t < d:
// lane x's weights are broadcast by shuffles, the tile row is read coalesced.
template <int R>
__device__ __forceinline__ void accumulate(float (&acc)[R][ATT_COLS], const float (&w)[R], const float* tile, int ld,
                                           int count, int d) {
    const int lane = threadIdx.x & 31;
    for (int x = 0; x < count; x++) {
        float wx[R];
#pragma unroll
        for (int r = 0; r < R; r++) wx[r] = __shfl_sync(0xffffffffu, w[r], x);
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) {
            int c = lane + 32 * t;
            if (c < d) {
                float y = tile[x * ld + c];
#pragma unroll
                for (int r = 0; r < R; r++) acc[r][t] = fmaf(wx[r], y, acc[r][t]);
            }
        }
    }
}

// Whether dropout keeps score (bh, i, j): the Bernoulli(keepProb) draw at stream position
// counter + ((bh tq + i) tk + j), as attune_random BERNOULLI decides it.
__device__ __forceinline__ bool keepScore(unsigned long long key, long long counter, int bh, int tq, int tk, int i, int j,
                                          float keepProb) {
    unsigned long long flat = ((unsigned long long) bh * tq + i) * tk + j;
    return counterUniform(key, (unsigned long long) counter + flat) < keepProb;
}

// Whether key j of batch b takes part (j < tk is checked by the caller first).
__device__ __forceinline__ bool keyVisible(const int* pad, int j) {
    return pad == nullptr || pad[j] == 0;
}

// grid (n h, ceil(tq / ATT_BQ)), ATT_THREADS threads, dynamic shared memory
// 4 ((1 + hasPos) ATT_BQ d + (1 + hasPos) ATT_BK (d | 1) + ATT_BK d) bytes.
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
attune_attention_forward(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                         const float* __restrict__ qPos, const float* __restrict__ pos, int pBatch,
                         const int* __restrict__ keyPadding, int h, int tq, int tk, int d, float scale, float keepProb,
                         float dropScale, long long seed, long long counter, float* __restrict__ out,
                         float* __restrict__ lse) {
    extern __shared__ float smem[];
    const bool hasPos = pos != nullptr;
    const int ks = d | 1;
    float* sQ = smem;                                   // (ATT_BQ, d)
    float* sQP = sQ + ATT_BQ * d;                       // (ATT_BQ, d) with pos
    float* sK = sQP + (hasPos ? ATT_BQ * d : 0);        // (ATT_BK, ks)
    float* sP = sK + ATT_BK * ks;                       // (ATT_BK, ks) with pos
    float* sV = sP + (hasPos ? ATT_BK * ks : 0);        // (ATT_BK, d)
    const int bh = blockIdx.x, b = bh / h, hh = bh - b * h;
    const int lane = threadIdx.x & 31, r0 = (threadIdx.x >> 5) * ATT_ROWS;
    const int q0 = blockIdx.y * ATT_BQ, rows = min(ATT_BQ, tq - q0);
    const long long qOff = ((long long) bh * tq + q0) * d;
    const long long kOff = (long long) bh * tk * d;
    const long long pOff = ((long long) (pBatch == 1 ? 0 : b) * h + hh) * tk * d;
    const int* pad = keyPadding == nullptr ? nullptr : keyPadding + (long long) b * tk;
    const unsigned long long key = mix64((unsigned long long) seed);

    loadTile(sQ, d, q + qOff, rows, ATT_BQ, d);
    if (hasPos) loadTile(sQP, d, qPos + qOff, rows, ATT_BQ, d);
    float m[ATT_ROWS], l[ATT_ROWS], o[ATT_ROWS][ATT_COLS];
#pragma unroll
    for (int r = 0; r < ATT_ROWS; r++) {
        m[r] = -INFINITY;
        l[r] = 0.f;
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) o[r][t] = 0.f;
    }
    for (int k0 = 0; k0 < tk; k0 += ATT_BK) {
        const int keys = min(ATT_BK, tk - k0);
        __syncthreads();  // every warp is done with the previous tile
        loadTile(sK, ks, k + kOff + (long long) k0 * d, keys, ATT_BK, d);
        if (hasPos) loadTile(sP, ks, pos + pOff + (long long) k0 * d, keys, ATT_BK, d);
        loadTile(sV, d, v + kOff + (long long) k0 * d, keys, ATT_BK, d);
        __syncthreads();
        const int j = k0 + lane;
        const bool visible = lane < keys && keyVisible(pad, j);
        float s[ATT_ROWS] = {};
        rowDots(s, sQ + r0 * d, d, sK + lane * ks, d);
        if (hasPos) rowDots(s, sQP + r0 * d, d, sP + lane * ks, d);
        float w[ATT_ROWS];
#pragma unroll
        for (int r = 0; r < ATT_ROWS; r++) {
            float sr = visible ? s[r] * scale : -INFINITY;
            float mNew = fmaxf(m[r], warpMax(sr));
            w[r] = 0.f;
            if (mNew == -INFINITY) continue;  // warp-uniform: no visible key in this row yet
            float p = expf(sr - mNew);
            float alpha = expf(m[r] - mNew);  // 0 while m was -inf; o and l are still 0 then
            l[r] = l[r] * alpha + warpSum(p);
            m[r] = mNew;
#pragma unroll
            for (int t = 0; t < ATT_COLS; t++) o[r][t] *= alpha;
            if (keepProb < 1.f) {
                w[r] = keepScore(key, counter, bh, tq, tk, q0 + r0 + r, j, keepProb) ? p * dropScale : 0.f;
            } else {
                w[r] = p;
            }
        }
        accumulate(o, w, sV, d, keys, d);
    }
#pragma unroll
    for (int r = 0; r < ATT_ROWS; r++) {
        const int i = q0 + r0 + r;
        if (i >= tq) continue;
        // l >= 1 once a key was visible (the row maximum contributes exp(0)); l = 0 means fully padded.
        const float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;
        float* orow = out + ((long long) bh * tq + i) * d;
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) {
            int c = lane + 32 * t;
            if (c < d) orow[c] = o[r][t] * inv;
        }
        if (lane == 0) lse[(long long) bh * tq + i] = l[r] > 0.f ? m[r] + logf(l[r]) : -INFINITY;
    }
}

// D_r = sum_c gOut[r, c] out[r, c] for r < rows: one warp per row (blockDim.x a multiple of 32).
extern "C" __global__ void attune_attention_row_dot(const float* __restrict__ gOut, const float* __restrict__ out, int rows,
                                                    int d, float* __restrict__ D) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;  // the whole warp leaves together
    const float* g = gOut + (long long) row * d;
    const float* o = out + (long long) row * d;
    float s = 0.f;
    for (int c = lane; c < d; c += 32) s = fmaf(g[c], o[c], s);
    s = warpSum(s);
    if (lane == 0) D[row] = s;
}

// grid (n h, ceil(tq / ATT_BQ)), ATT_THREADS threads, dynamic shared memory
// 4 (2 + hasPos) (ATT_BQ d + ATT_BK (d | 1)) bytes. Writes every element of gq (and gqPos).
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
attune_attention_backward_q(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                            const float* __restrict__ qPos, const float* __restrict__ pos, int pBatch,
                            const int* __restrict__ keyPadding, int h, int tq, int tk, int d, float scale, float keepProb,
                            float dropScale, long long seed, long long counter, const float* __restrict__ gOut,
                            const float* __restrict__ lse, const float* __restrict__ D, float* __restrict__ gq,
                            float* __restrict__ gqPos) {
    extern __shared__ float smem[];
    const bool hasPos = pos != nullptr;
    const int ks = d | 1;
    float* sQ = smem;                                   // (ATT_BQ, d)
    float* sdO = sQ + ATT_BQ * d;                       // (ATT_BQ, d)
    float* sQP = sdO + ATT_BQ * d;                      // (ATT_BQ, d) with pos
    float* sK = sQP + (hasPos ? ATT_BQ * d : 0);        // (ATT_BK, ks)
    float* sV = sK + ATT_BK * ks;                       // (ATT_BK, ks)
    float* sP = sV + ATT_BK * ks;                       // (ATT_BK, ks) with pos
    const int bh = blockIdx.x, b = bh / h, hh = bh - b * h;
    const int lane = threadIdx.x & 31, r0 = (threadIdx.x >> 5) * ATT_ROWS;
    const int q0 = blockIdx.y * ATT_BQ, rows = min(ATT_BQ, tq - q0);
    const long long qOff = ((long long) bh * tq + q0) * d;
    const long long kOff = (long long) bh * tk * d;
    const long long pOff = ((long long) (pBatch == 1 ? 0 : b) * h + hh) * tk * d;
    const int* pad = keyPadding == nullptr ? nullptr : keyPadding + (long long) b * tk;
    const unsigned long long key = mix64((unsigned long long) seed);

    loadTile(sQ, d, q + qOff, rows, ATT_BQ, d);
    loadTile(sdO, d, gOut + qOff, rows, ATT_BQ, d);
    if (hasPos) loadTile(sQP, d, qPos + qOff, rows, ATT_BQ, d);
    float rowLse[ATT_ROWS], rowD[ATT_ROWS], dq[ATT_ROWS][ATT_COLS], dqp[ATT_ROWS][ATT_COLS];
#pragma unroll
    for (int r = 0; r < ATT_ROWS; r++) {
        const int i = q0 + r0 + r;
        rowLse[r] = i < tq ? lse[(long long) bh * tq + i] : -INFINITY;
        rowD[r] = i < tq ? D[(long long) bh * tq + i] : 0.f;
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) dq[r][t] = dqp[r][t] = 0.f;
    }
    for (int k0 = 0; k0 < tk; k0 += ATT_BK) {
        const int keys = min(ATT_BK, tk - k0);
        __syncthreads();
        loadTile(sK, ks, k + kOff + (long long) k0 * d, keys, ATT_BK, d);
        loadTile(sV, ks, v + kOff + (long long) k0 * d, keys, ATT_BK, d);
        if (hasPos) loadTile(sP, ks, pos + pOff + (long long) k0 * d, keys, ATT_BK, d);
        __syncthreads();
        const int j = k0 + lane;
        const bool visible = lane < keys && keyVisible(pad, j);
        float s[ATT_ROWS] = {}, dp[ATT_ROWS] = {};
        rowDots(s, sQ + r0 * d, d, sK + lane * ks, d);
        if (hasPos) rowDots(s, sQP + r0 * d, d, sP + lane * ks, d);
        rowDots(dp, sdO + r0 * d, d, sV + lane * ks, d);
        float ds[ATT_ROWS];
#pragma unroll
        for (int r = 0; r < ATT_ROWS; r++) {
            float p = visible && rowLse[r] != -INFINITY ? expf(s[r] * scale - rowLse[r]) : 0.f;
            float dpr = dp[r];
            if (keepProb < 1.f) dpr = keepScore(key, counter, bh, tq, tk, q0 + r0 + r, j, keepProb) ? dpr * dropScale : 0.f;
            ds[r] = p * (dpr - rowD[r]);
        }
        accumulate(dq, ds, sK, ks, keys, d);
        if (hasPos) accumulate(dqp, ds, sP, ks, keys, d);
    }
#pragma unroll
    for (int r = 0; r < ATT_ROWS; r++) {
        const int i = q0 + r0 + r;
        if (i >= tq) continue;
        const long long off = ((long long) bh * tq + i) * d;
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) {
            int c = lane + 32 * t;
            if (c >= d) continue;
            gq[off + c] = scale * dq[r][t];
            if (hasPos) gqPos[off + c] = scale * dqp[r][t];
        }
    }
}

// grid (n h, ceil(tk / ATT_BKV)), ATT_THREADS threads, dynamic shared memory
// 4 ((2 + hasPos) (ATT_BKV d + ATT_BQT (d | 1)) + 2 ATT_BQT) bytes. Writes every element of gk and gv,
// and, with pos, of gPosEach laid out (n, h, tk, d) like gk: gPos itself when pBatch = n (or n = 1),
// else the per-batch scratch the host sums over b.
extern "C" __global__ void __launch_bounds__(ATT_THREADS)
attune_attention_backward_kv(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                             const float* __restrict__ qPos, const float* __restrict__ pos, int pBatch,
                             const int* __restrict__ keyPadding, int h, int tq, int tk, int d, float scale, float keepProb,
                             float dropScale, long long seed, long long counter, const float* __restrict__ gOut,
                             const float* __restrict__ lse, const float* __restrict__ D, float* __restrict__ gk,
                             float* __restrict__ gv, float* __restrict__ gPosEach) {
    extern __shared__ float smem[];
    const bool hasPos = pos != nullptr;
    const int ks = d | 1;
    float* sK = smem;                                   // (ATT_BKV, d)
    float* sV = sK + ATT_BKV * d;                       // (ATT_BKV, d)
    float* sP = sV + ATT_BKV * d;                       // (ATT_BKV, d) with pos
    float* sQ = sP + (hasPos ? ATT_BKV * d : 0);        // (ATT_BQT, ks)
    float* sdO = sQ + ATT_BQT * ks;                     // (ATT_BQT, ks)
    float* sQP = sdO + ATT_BQT * ks;                    // (ATT_BQT, ks) with pos
    float* sLse = sQP + (hasPos ? ATT_BQT * ks : 0);    // (ATT_BQT)
    float* sD = sLse + ATT_BQT;                         // (ATT_BQT)
    const int bh = blockIdx.x, b = bh / h, hh = bh - b * h;
    const int lane = threadIdx.x & 31, u0 = (threadIdx.x >> 5) * ATT_KEYS;
    const int k0 = blockIdx.y * ATT_BKV, keys = min(ATT_BKV, tk - k0);
    const long long kOff = ((long long) bh * tk + k0) * d;
    const long long pOff = (((long long) (pBatch == 1 ? 0 : b) * h + hh) * tk + k0) * d;
    const long long qOff = (long long) bh * tq * d;
    const int* pad = keyPadding == nullptr ? nullptr : keyPadding + (long long) b * tk;
    const unsigned long long key = mix64((unsigned long long) seed);

    loadTile(sK, d, k + kOff, keys, ATT_BKV, d);
    loadTile(sV, d, v + kOff, keys, ATT_BKV, d);
    if (hasPos) loadTile(sP, d, pos + pOff, keys, ATT_BKV, d);
    bool visible[ATT_KEYS];
    float dk[ATT_KEYS][ATT_COLS], dv[ATT_KEYS][ATT_COLS], dpos[ATT_KEYS][ATT_COLS];
#pragma unroll
    for (int u = 0; u < ATT_KEYS; u++) {
        visible[u] = u0 + u < keys && keyVisible(pad, k0 + u0 + u);
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) dk[u][t] = dv[u][t] = dpos[u][t] = 0.f;
    }
    for (int i0 = 0; i0 < tq; i0 += ATT_BQT) {
        const int rows = min(ATT_BQT, tq - i0);
        __syncthreads();
        loadTile(sQ, ks, q + qOff + (long long) i0 * d, rows, ATT_BQT, d);
        loadTile(sdO, ks, gOut + qOff + (long long) i0 * d, rows, ATT_BQT, d);
        if (hasPos) loadTile(sQP, ks, qPos + qOff + (long long) i0 * d, rows, ATT_BQT, d);
        if (threadIdx.x < ATT_BQT) {
            const int x = threadIdx.x;
            sLse[x] = x < rows ? lse[(long long) bh * tq + i0 + x] : -INFINITY;
            sD[x] = x < rows ? D[(long long) bh * tq + i0 + x] : 0.f;
        }
        __syncthreads();
        const int i = i0 + lane;
        const float li = sLse[lane], di = sD[lane];
        float s[ATT_KEYS] = {}, dp[ATT_KEYS] = {};
        rowDots(s, sK + u0 * d, d, sQ + lane * ks, d);
        if (hasPos) rowDots(s, sP + u0 * d, d, sQP + lane * ks, d);
        rowDots(dp, sV + u0 * d, d, sdO + lane * ks, d);
        float pz[ATT_KEYS], ds[ATT_KEYS];
#pragma unroll
        for (int u = 0; u < ATT_KEYS; u++) {
            float p = visible[u] && li != -INFINITY ? expf(s[u] * scale - li) : 0.f;
            float z = 1.f;
            if (keepProb < 1.f) z = keepScore(key, counter, bh, tq, tk, i, k0 + u0 + u, keepProb) ? dropScale : 0.f;
            pz[u] = p * z;
            ds[u] = p * (dp[u] * z - di);
        }
        accumulate(dv, pz, sdO, ks, rows, d);
        accumulate(dk, ds, sQ, ks, rows, d);
        if (hasPos) accumulate(dpos, ds, sQP, ks, rows, d);
    }
#pragma unroll
    for (int u = 0; u < ATT_KEYS; u++) {
        if (u0 + u >= keys) continue;
        const long long off = kOff + (long long) (u0 + u) * d;
#pragma unroll
        for (int t = 0; t < ATT_COLS; t++) {
            int c = lane + 32 * t;
            if (c >= d) continue;
            gk[off + c] = scale * dk[u][t];
            gv[off + c] = dv[u][t];
            if (hasPos) gPosEach[off + c] = scale * dpos[u][t];
        }
    }
}
