// Reductions over the middle axis of x laid out (outer, n, inner), as dev.attune.kernels.ReduceOp:
//   SUM:    out[o, i] = sum_j x[o, j, i]
//   MAX/MIN: out[o, i] = max_j / min_j x[o, j, i]; a NaN anywhere gives NaN
//   ARGMAX/ARGMIN: out[o, i] = the first j holding the extreme value (int); the first NaN wins, as in torch
// inner == 1 reduces each contiguous row with one block; otherwise one thread per output walks j
// (neighbouring threads read neighbouring i, so the loads coalesce).
#include "attune.cuh"

enum ReduceOp { SUM, RMAX, RMIN, ARGMAX, ARGMIN };

struct Best {
    float v;
    int j;
};

// Whether candidate c replaces the current best b: NaN first, then the extreme value, ties to the lower index.
__device__ __forceinline__ bool better(int op, Best c, Best b) {
    bool cn = c.v != c.v, bn = b.v != b.v;
    if (cn || bn) return cn && (!bn || c.j < b.j);
    bool wantMax = op == RMAX || op == ARGMAX;
    if (c.v != b.v) return wantMax ? c.v > b.v : c.v < b.v;
    return c.j < b.j;
}

__device__ __forceinline__ void writeResult(int op, Best b, float sum, void* out, int p) {
    if (op == SUM) static_cast<float*>(out)[p] = sum;
    else if (op == RMAX || op == RMIN) static_cast<float*>(out)[p] = b.v;
    else static_cast<int*>(out)[p] = b.j;
}

extern "C" __global__ void attune_reduce_rows(int op, const float* __restrict__ x, int rows, int n, void* out) {
    __shared__ float sv[32];
    __shared__ int sj[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    const float* r = x + (long long) row * n;
    if (op == SUM) {
        float s = 0.f;
        for (int j = threadIdx.x; j < n; j += blockDim.x) s += r[j];
        s = blockSum(s, sv);
        if (threadIdx.x == 0) static_cast<float*>(out)[row] = s;
        return;
    }
    Best b = {r[0], 0};
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        Best c = {r[j], j};
        if (better(op, c, b)) b = c;
    }
    for (int o = 16; o > 0; o >>= 1) {
        Best c = {__shfl_xor_sync(0xffffffffu, b.v, o), __shfl_xor_sync(0xffffffffu, b.j, o)};
        if (better(op, c, b)) b = c;
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sv[warp] = b.v; sj[warp] = b.j; }
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x >> 5;
        b = lane < warps ? Best{sv[lane], sj[lane]} : Best{sv[0], sj[0]};
        for (int o = 16; o > 0; o >>= 1) {
            Best c = {__shfl_xor_sync(0xffffffffu, b.v, o), __shfl_xor_sync(0xffffffffu, b.j, o)};
            if (better(op, c, b)) b = c;
        }
        if (lane == 0) writeResult(op, b, 0.f, out, row);
    }
}

extern "C" __global__ void attune_reduce_cols(int op, const float* __restrict__ x, int outer, int n, int inner, void* out) {
    int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= outer * inner) return;
    int o = p / inner, i = p % inner;
    const float* base = x + (long long) o * n * inner + i;
    float sum = 0.f;
    Best b = {base[0], 0};
    if (op == SUM) {
        for (int j = 0; j < n; j++) sum += base[(long long) j * inner];
    } else {
        for (int j = 1; j < n && b.v == b.v; j++) {
            Best c = {base[(long long) j * inner], j};
            if (better(op, c, b)) b = c;
        }
    }
    writeResult(op, b, sum, out, p);
}
