package dev.attune.kernels;

/**
 * Elementwise maps {@code y = f(x; a, b)} with up to two scalar parameters.
 * Backward rules live with the tensor ops; the derivative kernels named {@code *_GRAD}
 * map the forward input {@code x} to {@code f'(x)} so that a backward is one multiply.
 */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, RSQRT, ABS, SIGN, RECIPROCAL,
    TANH, SIGMOID, RELU, SILU,
    /** Exact GELU, {@code x * Phi(x)} with the Gaussian CDF. */
    GELU,
    /** {@code x^a}. */
    POW_SCALAR,
    /** {@code a * x + b}. */
    AFFINE,
    /** {@code min(max(x, a), b)}. */
    CLAMP,
    /** 1 where {@code a <= x <= b}, else 0: the gradient mask of CLAMP. */
    INSIDE,
    /** {@code d/dx silu(x)}. */
    SILU_GRAD,
    /** {@code d/dx gelu(x)}. */
    GELU_GRAD,
    /** 1 where {@code x > 0}, else 0. */
    STEP
}
