// Elementwise kernels.
//   fill:        dst[i] = v                                   (float, or (int) v for int storages)
//   unary:       y[i] = f(x[i]; a, b) for the maps of dev.attune.kernels.UnaryOp (same ordinals)
//   binary:      out[idx] = f(A[idx . sa], B[idx . sb]) for dev.attune.kernels.BinaryOp over a shape,
//                operands strided (stride 0 broadcasts), read as floats; comparisons give 0/1
//   where:       out[idx] = C[idx . sc] != 0 ? A[idx . sa] : B[idx . sb]
//   copyStrided: D[idx . sd] = convert(S[idx . ss]); float to int truncates toward zero, nonzero to BOOL is 1
//   bias_activation:      y[r, j] = act(h), h = x[r, j] + bias[j], act one of RELU, SILU, GELU, TANH, SIGMOID
//   bias_activation_grad: gx[r, j] = gy[r, j] act'(h), with act' as the unfused ops take it: STEP, SILU_GRAD,
//                         GELU_GRAD of h, 1 - t^2 from t = tanh(h), s (1 - s) from s = sigmoid(h)
// The math is the CPU backend's scalar definitions (CpuBackend.scalarUnary / scalarBinary).
#include "attune.cuh"

enum UnaryOp { NEG, EXP, LOG, SQRT, RSQRT, ABS, SIGN, RECIPROCAL, TANH, SIGMOID, RELU, SILU, GELU,
               POW_SCALAR, AFFINE, CLAMP, INSIDE, SILU_GRAD, GELU_GRAD, STEP };
enum BinaryOp { ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE, GT, GE };

extern "C" __global__ void attune_fill(void* dst, int kind, int n, float v) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if (kind == KIND_FLOAT) static_cast<float*>(dst)[i] = v;
    else static_cast<int*>(dst)[i] = (int) v;
}

__device__ __forceinline__ float unaryOp(int op, float a, float b, float v) {
    switch (op) {
        case NEG: return -v;
        case EXP: return expf(v);
        case LOG: return logf(v);
        case SQRT: return sqrtf(v);
        case RSQRT: return 1.f / sqrtf(v);
        case ABS: return fabsf(v);
        case SIGN: return v > 0.f ? 1.f : (v < 0.f ? -1.f : v);  // keeps NaN and signed zero, as Math.signum
        case RECIPROCAL: return 1.f / v;
        case TANH: return tanhf(v);
        case SIGMOID: return sigmoidf(v);
        case RELU: return v != v ? v : fmaxf(v, 0.f);
        case SILU: return v * sigmoidf(v);
        case GELU: return (float) (0.5 * v * (1.0 + erf(v * 0.70710678118654752440)));
        case POW_SCALAR: return powf(v, a);
        case AFFINE: return fmaf(v, a, b);
        case CLAMP: return v != v ? v : fminf(fmaxf(v, a), b);
        case INSIDE: return v >= a && v <= b ? 1.f : 0.f;
        case SILU_GRAD: { float s = sigmoidf(v); return s * (1.f + v * (1.f - s)); }
        case GELU_GRAD: {
            double cdf = 0.5 * (1.0 + erf(v * 0.70710678118654752440));
            double pdf = exp(-0.5 * (double) v * v) * 0.39894228040143267794;
            return (float) (cdf + v * pdf);
        }
        case STEP: return v > 0.f ? 1.f : 0.f;
    }
    return __int_as_float(0x7fc00000);
}

extern "C" __global__ void attune_unary(int op, float a, float b, const float* __restrict__ x, float* __restrict__ y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = unaryOp(op, a, b, x[i]);
}

extern "C" __global__ void attune_bias_activation(int act, const float* __restrict__ x, const float* __restrict__ bias,
                                                  float* __restrict__ y, int n, int cols) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = unaryOp(act, 0.f, 0.f, x[i] + bias[i % cols]);
}

extern "C" __global__ void attune_bias_activation_grad(int act, const float* __restrict__ x, const float* __restrict__ bias,
                                                       const float* __restrict__ gy, float* __restrict__ gx, int n, int cols) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float h = x[i] + bias[i % cols], d;
    switch (act) {
        case TANH: { float t = tanhf(h); d = 1.f - t * t; break; }
        case SIGMOID: { float s = sigmoidf(h); d = s * (1.f - s); break; }
        case RELU: d = unaryOp(STEP, 0.f, 0.f, h); break;
        case SILU: d = unaryOp(SILU_GRAD, 0.f, 0.f, h); break;
        default: d = unaryOp(GELU_GRAD, 0.f, 0.f, h); break;
    }
    gx[i] = gy[i] * d;
}

__device__ __forceinline__ float binaryOp(int op, float x, float y) {
    switch (op) {
        case ADD: return x + y;
        case SUB: return x - y;
        case MUL: return x * y;
        case DIV: return x / y;
        case POW: return powf(x, y);
        // NaN propagates, as in torch.maximum / torch.minimum.
        case MAXIMUM: return x != x || y != y ? __int_as_float(0x7fc00000) : fmaxf(x, y);
        case MINIMUM: return x != x || y != y ? __int_as_float(0x7fc00000) : fminf(x, y);
        case EQ: return x == y ? 1.f : 0.f;
        case NE: return x != y ? 1.f : 0.f;
        case LT: return x < y ? 1.f : 0.f;
        case LE: return x <= y ? 1.f : 0.f;
        case GT: return x > y ? 1.f : 0.f;
        case GE: return x >= y ? 1.f : 0.f;
    }
    return __int_as_float(0x7fc00000);
}

// Operand 0 is A, 1 is B; the output is dense.
extern "C" __global__ void attune_binary(int op, Layout L, const void* a, int aKind, const void* b, int bKind,
                                         void* out, int outKind, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int off[4];
    layoutOffsets(L, i, 2, off);
    float r = binaryOp(op, loadAsFloat(a, aKind, off[0]), loadAsFloat(b, bKind, off[1]));
    if (outKind == KIND_FLOAT) static_cast<float*>(out)[i] = r;
    else static_cast<int*>(out)[i] = (int) r;
}

// Operands 0, 1, 2 are the condition, A and B; the output is dense float.
extern "C" __global__ void attune_where(Layout L, const void* c, int cKind, const void* a, int aKind,
                                        const void* b, int bKind, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int off[4];
    layoutOffsets(L, i, 3, off);
    out[i] = loadAsFloat(c, cKind, off[0]) != 0.f ? loadAsFloat(a, aKind, off[1]) : loadAsFloat(b, bKind, off[2]);
}

// Operand 0 is the source, 1 the destination.
extern "C" __global__ void attune_copy_strided(Layout L, const void* src, int srcKind, void* dst, int dstKind, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int off[4];
    layoutOffsets(L, i, 2, off);
    if (dstKind == KIND_FLOAT) {
        static_cast<float*>(dst)[off[1]] = loadAsFloat(src, srcKind, off[0]);
    } else if (dstKind == KIND_BOOL) {
        static_cast<int*>(dst)[off[1]] = loadAsFloat(src, srcKind, off[0]) != 0.f ? 1 : 0;
    } else {
        // (int) of a float rounds toward zero; NaN gives 0 and out-of-range values saturate, as in Java.
        static_cast<int*>(dst)[off[1]] = srcKind == KIND_FLOAT ? (int) static_cast<const float*>(src)[off[0]]
                                                               : static_cast<const int*>(src)[off[0]];
    }
}
