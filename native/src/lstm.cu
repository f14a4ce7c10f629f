// The LSTM cell's pointwise part (Backend.lstmCell, lstmCellBackward), one thread per (row r, hidden
// unit j) of n rows of h units. gates (n, 4h) holds the pre-activations a_i, a_f, a_g, a_o (PyTorch's
// order), c (n, h) the previous cell state or null for zeros:
//   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
//   cNext = f c + i g        hNext = o tanh(cNext)
//   saved for the backward: acts = [i, f, g, o] (n, 4h) and tanhC = tanh(cNext) (n, h)
// Backward, from the gradients gH of hNext and gC of cNext (either null: zero):
//   dc = gC + gH o (1 - tanhC^2)
//   dA_i = dc g i (1 - i)   dA_f = dc c f (1 - f)   dA_g = dc i (1 - g^2)   dA_o = gH tanhC o (1 - o)
//   gCPrev = dc f           (only when gCPrev is not null)
// Each product is rounded on its own (__fmul_rn / __fadd_rn: no contraction), as on the CPU; the
// activations are CUDA's expf and tanhf, so results agree with the CPU backend to rounding.
#include "attune.cuh"

extern "C" __global__ void attune_lstm_cell_forward(const float* __restrict__ gates, const float* __restrict__ c, int n, int h,
                                                    float* __restrict__ hNext, float* __restrict__ cNext,
                                                    float* __restrict__ acts, float* __restrict__ tanhC) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) n * h) return;
    long long r = idx / h, j = idx % h, gb = r * 4 * h + j;
    float i = sigmoidf(gates[gb]), f = sigmoidf(gates[gb + h]);
    float g = tanhf(gates[gb + 2 * h]), o = sigmoidf(gates[gb + 3 * h]);
    float ig = __fmul_rn(i, g);
    float cn = c ? __fadd_rn(__fmul_rn(f, c[idx]), ig) : ig;
    float tc = tanhf(cn);
    acts[gb] = i;
    acts[gb + h] = f;
    acts[gb + 2 * h] = g;
    acts[gb + 3 * h] = o;
    cNext[idx] = cn;
    tanhC[idx] = tc;
    hNext[idx] = __fmul_rn(o, tc);
}

extern "C" __global__ void attune_lstm_cell_backward(const float* __restrict__ acts, const float* __restrict__ tanhC,
                                                     const float* __restrict__ c, const float* __restrict__ gH,
                                                     const float* __restrict__ gC, int n, int h,
                                                     float* __restrict__ gGates, float* __restrict__ gCPrev) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) n * h) return;
    long long r = idx / h, j = idx % h, gb = r * 4 * h + j;
    float i = acts[gb], f = acts[gb + h], g = acts[gb + 2 * h], o = acts[gb + 3 * h], tc = tanhC[idx];
    float dh = gH ? gH[idx] : 0.f;
    float dc = __fadd_rn(gC ? gC[idx] : 0.f, __fmul_rn(__fmul_rn(dh, o), __fsub_rn(1.f, __fmul_rn(tc, tc))));
    float cp = c ? c[idx] : 0.f;
    gGates[gb] = __fmul_rn(__fmul_rn(dc, g), __fmul_rn(i, __fsub_rn(1.f, i)));
    gGates[gb + h] = __fmul_rn(__fmul_rn(dc, cp), __fmul_rn(f, __fsub_rn(1.f, f)));
    gGates[gb + 2 * h] = __fmul_rn(__fmul_rn(dc, i), __fsub_rn(1.f, __fmul_rn(g, g)));
    gGates[gb + 3 * h] = __fmul_rn(__fmul_rn(dh, tc), __fmul_rn(o, __fsub_rn(1.f, o)));
    if (gCPrev) gCPrev[idx] = __fmul_rn(dc, f);
}
