package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector forms of tanh and of the exact GELU built on the JDK's vector EXP (fast here, where its
 * vector TANH is not, and there is no vector erf). The polynomial coefficients were fitted by
 * {@code kernels/tools/fit_approximations.py} (float32 evaluation: tanh within 1e-7 relative,
 * erf and erfc within 3e-7 relative); the tests check them against double references.
 */
final class VectorMath {
    /** Below this |x|, tanh(x) = x + x^3 P(x^2); above, 1 - 2 / (exp(2x) + 1) has no cancellation. */
    private static final float TANH_CUT = 0.625f;
    private static final float P0 = -0.3333328664302826f, P1 = 0.13331513106822968f, P2 = -0.05374465882778168f,
            P3 = 0.020653124898672104f, P4 = -0.0057189627550542355f;
    /** Below this |z|, erf(z) = z E(z^2); above, erfc(z) = exp(-z^2) Q(1 / (1 + z / 2)). */
    private static final float ERF_CUT = 0.75f;
    /** Q is fitted on [0.75, 10]; beyond, erfc(z) < 3e-45 is below the smallest float. */
    private static final float ERFC_END = 10f;
    private static final float E0 = 1.128379225730896f, E1 = -0.376126229763031f, E2 = 0.11283425241708755f,
            E3 = -0.026836752891540527f, E4 = 0.0051182894967496395f, E5 = -0.0006775750080123544f;
    private static final float Q0 = 3.394591203687014e-06f, Q1 = 0.2819892466068268f, Q2 = 0.2835295796394348f,
            Q3 = 0.2356177568435669f, Q4 = 0.2319800704717636f, Q5 = -0.09859227389097214f, Q6 = 0.3894828259944916f,
            Q7 = -0.5923945903778076f, Q8 = 0.33971741795539856f, Q9 = -0.07132786512374878f;
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));

    private VectorMath() {}

    private static FloatVector c(float v) {
        return FloatVector.broadcast(S, v);
    }

    // Horner's rule written out: vectors carried through a loop over coefficients may not stay in registers.
    private static FloatVector tanhP(FloatVector u) {
        return u.fma(P4, P3).fma(u, c(P2)).fma(u, c(P1)).fma(u, c(P0));
    }

    private static FloatVector erfE(FloatVector u) {
        return u.fma(E5, E4).fma(u, c(E3)).fma(u, c(E2)).fma(u, c(E1)).fma(u, c(E0));
    }

    private static FloatVector erfcQ(FloatVector t) {
        return t.fma(Q9, Q8).fma(t, c(Q7)).fma(t, c(Q6)).fma(t, c(Q5)).fma(t, c(Q4)).fma(t, c(Q3)).fma(t, c(Q2))
                .fma(t, c(Q1)).fma(t, c(Q0));
    }

    /** tanh, NaN for NaN and +-1 at +-inf (exp(2x) = inf gives 1 - 0). */
    static FloatVector tanh(FloatVector x) {
        FloatVector u = x.mul(x);
        FloatVector small = x.mul(u).fma(tanhP(u), x);
        FloatVector e = x.add(x).lanewise(VectorOperators.EXP);
        FloatVector large = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
        return large.blend(small, x.abs().compare(VectorOperators.LT, TANH_CUT));
    }

    /** The Gaussian CDF {@code Phi(x) = (1 + erf(x / sqrt 2)) / 2}, given {@code e = exp(-x^2 / 2)}. */
    private static FloatVector normalCdf(FloatVector x, FloatVector e) {
        FloatVector z = x.mul(SQRT_HALF), az = z.abs();
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        FloatVector erf = z.mul(erfE(z.mul(z)));
        FloatVector t = FloatVector.broadcast(S, 1f).div(az.min(ERFC_END).fma(0.5f, 1f));
        // Far out, Phi is 1 - erfc / 2 or erfc / 2: computed from erfc, the small side loses no digits.
        FloatVector halfErfc = e.mul(erfcQ(t)).mul(half);
        FloatVector tail = halfErfc.blend(halfErfc.neg().add(1f), z.compare(VectorOperators.GT, 0f));
        VectorMask<Float> inner = az.compare(VectorOperators.LT, ERF_CUT);
        return tail.blend(erf.fma(half, half), inner);
    }

    /**
     * {@code exp(-x^2 / 2)}: 0 for |x| = inf, NaN for NaN. x^2 = hi + lo exactly (lo by an fma), and
     * exp(-lo / 2) ~ 1 - lo / 2: the rounding of x^2 alone would cost 4e-6 relative at |x| = 12.
     * |x| is capped at 20 (exp(-200) is 0 in float) so that hi stays finite and lo is not NaN.
     */
    private static FloatVector gaussian(FloatVector x) {
        FloatVector a = x.abs().min(20f), hi = a.mul(a), lo = a.fma(a, hi.neg());
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
