package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector exp, ReLU, sigmoid, SiLU, tanh and exact GELU (and the derivatives the backward passes map) written out in Vector API operations. The JDK's vector EXP is a
 * call into a stub, so a loop around it spills its vectors; inlined, exp is about 25 % faster and
 * the fused loops around it (softmax, GELU) gain more. The polynomial coefficients were fitted
 * by {@code kernels/tools/fit_approximations.py} (float32 evaluation: exp within 1e-7 relative,
 * erfc within 4e-7); the tests check them against double references.
 */
final class VectorMath {
    // exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 in two parts (LN2_HI k is exact).
    private static final float LOG2E = 1.4426950408889634f, LN2_HI = 0.693145751953125f, LN2_LO = 1.428606765330187e-06f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 to an integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** Above, exp is taken to overflow to inf; below, to be subnormal, flushed to 0 (2^k must stay a normal scale). */
    private static final float EXP_MAX = 88.7f, EXP_MIN = -87.3f;
    private static final float X0 = 0.49999988079071045f, X1 = 0.166665181517601f, X2 = 0.04166953265666962f,
            X3 = 0.008368915878236294f, X4 = 0.0013751407386735082f;
    private static final int SIGN_BIT = 0x80000000;
    // erfc(z) = exp(-z^2) Q(1 / (1 + z / 2)), fitted on [0, 10]; beyond, erfc(z) < 3e-45 is below the smallest float.
    private static final float Q0 = -2.6358579816587735e-06f, Q1 = 0.28214210271835327f, Q2 = 0.2818836569786072f,
            Q3 = 0.24548675119876862f, Q4 = 0.19567811489105225f, Q5 = -0.013606883585453033f, Q6 = 0.26273587346076965f,
            Q7 = -0.47612154483795166f, Q8 = 0.28010302782058716f, Q9 = -0.0582985021173954f;
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));

    private VectorMath() {}

    private static FloatVector c(float v) {
        return FloatVector.broadcast(S, v);
    }

    /** {@code min(v, cap)} for v >= 0 or NaN (kept): a compare and a blend, where {@code min}'s NaN and -0 rules take more. */
    private static FloatVector capped(FloatVector v, float cap) {
        return v.blend(c(cap), v.compare(VectorOperators.GT, cap));
    }

    /**
     * exp within about 1 ulp of {@code Math.exp} for x in [-87.3, 88.7]; inf above, 0 below
     * (where Math.exp is near or below the smallest normal float), NaN for NaN.
     */
    static FloatVector exp(FloatVector x) {
        return exp(x, true, false);
    }

    /**
     * exp for x <= 0 (or NaN), such as a value minus its row's max: {@link #exp} without the
     * overflow test, one compare and blend less per vector in softmax's inner loop.
     */
    static FloatVector expNonPositive(FloatVector x) {
        return exp(x, false, false);
    }

    /**
     * {@code exp(x) - 1} for x <= 0 (or NaN), as accurate relative to itself as exp is: at k = 0
     * it is the polynomial q itself (no 1 added and taken away again), else {@code 2^k q + (2^k - 1)}
     * in one fma, where 2^k - 1 is exact. -1 below EXP_MIN.
     */
    private static FloatVector expm1NonPositive(FloatVector x) {
        return exp(x, false, true);
    }

    /**
     * exp, with the overflow test only when x may exceed EXP_MAX, or (minusOne, with x <= 0 only) exp - 1
     * (both flags are constants at every call, folded by C2).
     */
    private static FloatVector exp(FloatVector x, boolean mayOverflow, boolean minusOne) {
        FloatVector rounded = x.fma(c(LOG2E), c(ROUND)), k = rounded.sub(ROUND);
        FloatVector r = k.fma(c(-LN2_HI), x);
        r = k.fma(c(-LN2_LO), r);
        // Horner's rule written out: vectors carried through a loop over coefficients may not stay in registers.
        FloatVector q = r.fma(X4, X3).fma(r, c(X2)).fma(r, c(X1)).fma(r, c(X0));
        q = q.fma(r.mul(r), r); // exp(r) - 1
        FloatVector y;
        if (mayOverflow) {
            // 2^k: k added to the exponent field (k in [-126, 128] wherever the result is kept; 2^128 is no float).
            IntVector scale = ((IntVector) k.convert(VectorOperators.F2I, 0)).lanewise(VectorOperators.LSHL, 23);
            y = q.add(1f).reinterpretAsInts().add(scale).reinterpretAsFloats();
            y = y.blend(c(Float.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_MAX));
        } else {
            // k in [-126, 0] wherever the result is kept, so 2^k is a normal float: (k + 127) << 23, with k
            // read from the low bits of ROUND + k (no conversion, whose Java NaN and overflow rules cost
            // three more instructions). y = (1 + q) 2^k by one fma; a NaN x stays NaN through q.
            FloatVector scale = rounded.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            y = minusOne ? q.fma(scale, scale.sub(1f)) : q.fma(scale, scale);
        }
        return y.blend(c(minusOne ? -1f : 0f), x.compare(VectorOperators.LT, EXP_MIN));
    }

    /**
     * The natural logarithm of a softmax denominator {@code s = sum_j exp(x_j - max) >= 1}, within
     * 2 ulps: {@code s = (1 + f) 2^e} with 1 + f in [sqrt(1/2), sqrt 2), and
     * {@code log(1 + f) = 2 atanh(u) = 2u + u R(u^2)}, {@code u = f / (2 + f)}, |u| < 0.172,
     * {@code R = 2u^2/3 + 2u^4/5 + 2u^6/7 + 2u^8/9} (the next term is below 1e-9). Since {@code 2u = f - uf},
     * the sum is arranged as {@code f - (f^2/2 - u (f^2/2 + R))}: f is exact and carries most of the value.
     * {@code Math.log} cost a log-softmax row of 128 about 60 cycles, as much as its exp pass; this
     * is a division and a dozen flops. NaN, +inf and s < 1 (a row of -inf gives 0) go to {@code Math.log}.
     */
    static float logOfSum(float s) {
        if (!(s >= 1f && s < Float.POSITIVE_INFINITY)) return (float) Math.log(s);
        int bits = Float.floatToRawIntBits(s);
        int e = (bits >> 23) - 127;
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f800000);
        if (m > 1.4142135f) {
            m *= 0.5f;
            e++;
        }
        float f = m - 1f, u = f / (2f + f), z = u * u, halfF2 = 0.5f * f * f;
        float r = z * Math.fma(z, Math.fma(z, Math.fma(z, 2f / 9, 2f / 7), 2f / 5), 2f / 3);
        return e * LN2_HI - ((halfF2 - Math.fma(u, halfF2 + r, e * LN2_LO)) - f);
    }

    /** ReLU as a compare and blend: equal to {@code Math.max(x, 0)}, -0 and NaN included. */
    static FloatVector relu(FloatVector x) {
        return x.blend(c(0f), x.compare(VectorOperators.LE, 0f));
    }

    /** ReLU's derivative: 1 where x > 0, else 0 (NaN included). */
    static FloatVector step(FloatVector x) {
        return c(0f).blend(c(1f), x.compare(VectorOperators.GT, 0f));
    }

    /** SiLU {@code x sigmoid(x)}. */
    static FloatVector silu(FloatVector x) {
        return x.mul(sigmoid(x));
    }

    /** {@code silu'(x) = s (1 + x (1 - s))}, s = sigmoid(x). */
    static FloatVector siluGrad(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }

    /** Sigmoid as {@code 1 / (1 + exp(-x))}: exp = inf gives 0. */
    static FloatVector sigmoid(FloatVector x) {
        return c(1f).div(exp(x.neg()).add(1f));
    }

    /**
     * tanh as {@code tanh|x| = -m / (2 + m)}, {@code m = expm1(-2|x|)} in [-1, 0], with the sign of x:
     * m carries no cancellation near 0, so one formula holds from subnormal x (m = -2|x|) to +-1 at
     * +-inf (m = -1); NaN for NaN, -0 for -0.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector m = expm1NonPositive(x.abs().mul(-2f));
        // |.|: m is +0 at x = 0 (0/-2 = -0); the sign is then x's.
        FloatVector t = m.div(c(-2f).sub(m)).abs();
        return t.reinterpretAsInts().or(x.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats();
    }

    /**
     * The Gaussian CDF {@code Phi(x) = erfc(-x / sqrt 2) / 2}, given {@code e = exp(-x^2 / 2)}:
     * erfc(|z|) / 2 for x < 0 and 1 - erfc(|z|) / 2 for x > 0, so the small side loses no digits.
     */
    private static FloatVector normalCdf(FloatVector x, FloatVector e) {
        // Past ERFC_END, e = 0 and a finite Q(t), t in (0, 1/6], keeps erfc at 0: no cap needed.
        FloatVector t = c(1f).div(x.abs().mul(SQRT_HALF).fma(0.5f, 1f));
        FloatVector q = t.fma(Q9, Q8).fma(t, c(Q7)).fma(t, c(Q6)).fma(t, c(Q5)).fma(t, c(Q4)).fma(t, c(Q3)).fma(t, c(Q2))
                .fma(t, c(Q1)).fma(t, c(Q0));
        FloatVector halfErfc = e.mul(q).mul(0.5f);
        return halfErfc.blend(c(1f).sub(halfErfc), x.compare(VectorOperators.GT, 0f));
    }

    /**
     * {@code exp(-x^2 / 2)}: 0 for |x| = inf, NaN for NaN. x^2 = hi + lo exactly (lo by an fma), and
     * exp(-lo / 2) ~ 1 - lo / 2: the rounding of x^2 alone would cost 4e-6 relative at |x| = 12.
     * |x| is capped at 20 (exp(-200) is 0 in float) so that hi stays finite and lo is not NaN.
     */
    private static FloatVector gaussian(FloatVector x) {
        FloatVector a = capped(x.abs(), 20f), hi = a.mul(a), lo = a.fma(a, hi.neg());
        FloatVector e = hi.mul(-0.5f).lanewise(VectorOperators.EXP);
        return lo.mul(-0.5f).fma(e, e);
    }

    /** Exact GELU, {@code x Phi(x)}. */
    static FloatVector gelu(FloatVector x) {
        return x.mul(normalCdf(x, gaussian(x)));
    }

    /** {@code d/dx gelu(x) = Phi(x) + x phi(x)}. */
    static FloatVector geluGrad(FloatVector x) {
        FloatVector e = gaussian(x);
        return x.mul(e).fma(c(INV_SQRT_2PI), normalCdf(x, e));
    }
}
