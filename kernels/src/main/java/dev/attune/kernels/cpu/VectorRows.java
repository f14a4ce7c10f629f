package dev.attune.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops over one dense row {@code [off, off + n)}, shared by the fused kernels
 * (softmax, norms, attention). Each reduction adds in lanes first, then across the lanes, then
 * the scalar tail: a fixed order that depends only on n, so results never depend on threads.
 */
final class VectorRows {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    private static final VectorSpecies<Integer> IS = S.withLanes(int.class);

    private VectorRows() {}

    /**
     * The row maximum (-inf for an empty row), found on the float bits mapped to integers of the
     * same order ({@link #ordered}): integer max is one instruction, while the float max with
     * {@code Math.max}'s NaN and -0 rules is a long sequence (about 2.5x slower for softmax rows).
     * A NaN may or may not be returned; callers see it anyway through {@code exp(x - max)}.
     */
    static float max(float[] x, int off, int n) {
        IntVector acc = IntVector.broadcast(IS, ordered(Float.floatToRawIntBits(Float.NEGATIVE_INFINITY)));
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            acc = acc.max(ordered(FloatVector.fromArray(S, x, off + j).reinterpretAsInts()));
        }
        int r = acc.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) r = Math.max(r, ordered(Float.floatToRawIntBits(x[off + j])));
        return Float.intBitsToFloat(ordered(r));
    }

    /**
     * Maps float bits to an int whose signed order is the float order (negative floats have their
     * magnitude bits flipped); the map is its own inverse.
     */
    private static int ordered(int bits) {
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** {@link #ordered(int)} lane by lane. */
    static IntVector ordered(IntVector bits) {
        return bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7fffffff));
    }

    static float sum(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) acc = acc.add(FloatVector.fromArray(S, x, off + j));
        float r = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r += x[off + j];
        return r;
    }

    /** {@code sum_j (x[j] - mean)^2}: the second pass of a two-pass variance. */
    static float squaredDeviations(float[] x, int off, int n, float mean) {
        FloatVector vm = FloatVector.broadcast(S, mean), acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector d = FloatVector.fromArray(S, x, off + j).sub(vm);
            acc = d.fma(d, acc);
        }
        float r = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float d = x[off + j] - mean;
            r = Math.fma(d, d, r);
        }
        return r;
    }

    /** {@code sum_j a[aOff + j] (x[xOff + j] - m)}. */
    static float centeredDot(float[] a, int aOff, float[] x, int xOff, float m, int n) {
        FloatVector vm = FloatVector.broadcast(S, m), acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            acc = FloatVector.fromArray(S, x, xOff + j).sub(vm).fma(FloatVector.fromArray(S, a, aOff + j), acc);
        }
        float r = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r = Math.fma(x[xOff + j] - m, a[aOff + j], r);
        return r;
    }

    /** {@code sum_j a[aOff + j] b[bOff + j]}. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            acc = FloatVector.fromArray(S, a, aOff + j).fma(FloatVector.fromArray(S, b, bOff + j), acc);
        }
        float r = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r = Math.fma(a[aOff + j], b[bOff + j], r);
        return r;
    }

    /**
     * {@code e_j = exp(x[xOff + j] - shift)} (exp(-inf) = 0), stored to {@code y[yOff + j]} unless
     * y is null (y may be x: in place); returns {@code sum_j e_j}. shift is at least every x (a row
     * max or log-sum-exp), so {@code x - shift <= 0} and exp needs no overflow test.
     */
    static float expShifted(float[] x, int xOff, float shift, float[] y, int yOff, int n) {
        FloatVector vs = FloatVector.broadcast(S, shift), acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, x, xOff + j).sub(vs));
            if (y != null) e.intoArray(y, yOff + j);
            acc = acc.add(e);
        }
        float r = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float e = (float) Math.exp(x[xOff + j] - shift);
            if (y != null) y[yOff + j] = e;
            r += e;
        }
        return r;
    }

    /** {@code y[yOff + j] = x[xOff + j] * f} (y may be x). */
    static void scale(float[] x, int xOff, float f, float[] y, int yOff, int n) {
        FloatVector vf = FloatVector.broadcast(S, f);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) FloatVector.fromArray(S, x, xOff + j).mul(vf).intoArray(y, yOff + j);
        for (; j < n; j++) y[yOff + j] = x[xOff + j] * f;
    }

    /** {@code y[yOff + j] = x[xOff + j] a + b}, fused (one rounding). */
    static void affine(float[] x, int xOff, float a, float b, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) FloatVector.fromArray(S, x, xOff + j).fma(va, vb).intoArray(y, yOff + j);
        for (; j < n; j++) y[yOff + j] = Math.fma(x[xOff + j], a, b);
    }

    /** {@code y[yOff + j] += x[xOff + j]}. */
    static void accumulate(float[] x, int xOff, float[] y, int yOff, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector.fromArray(S, y, yOff + j).add(FloatVector.fromArray(S, x, xOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) y[yOff + j] += x[xOff + j];
    }

    /**
     * {@code out[c] = sum_blk partial[blk * blockStride + at + c]} for c in [c0, c1), blocks added in
     * order: the second half of a column sum taken as per-row-block partials.
     */
    static void sumBlocks(float[] partial, int at, int blockStride, int blocks, float[] out, int c0, int c1) {
        java.util.Arrays.fill(out, c0, c1, 0f);
        for (int blk = 0; blk < blocks; blk++) accumulate(partial, blk * blockStride + at + c0, out, c0, c1 - c0);
    }

    /** {@code y[yOff + j] = x[xOff + j] + c}. */
    static void addScalar(float[] x, int xOff, float c, float[] y, int yOff, int n) {
        FloatVector vc = FloatVector.broadcast(S, c);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) FloatVector.fromArray(S, x, xOff + j).add(vc).intoArray(y, yOff + j);
        for (; j < n; j++) y[yOff + j] = x[xOff + j] + c;
    }

    /**
     * The softmax backward of one row, {@code out_j = scale p_j (g_j - rowDot)} with
     * {@code rowDot = sum_j g_j p_j}; out may be g (in place).
     */
    static void softmaxGrad(float[] p, int pOff, float[] g, int gOff, float rowDot, float scale, float[] out, int outOff, int n) {
        FloatVector vd = FloatVector.broadcast(S, rowDot), vs = FloatVector.broadcast(S, scale);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector d = FloatVector.fromArray(S, g, gOff + j).sub(vd).mul(FloatVector.fromArray(S, p, pOff + j));
            d.mul(vs).intoArray(out, outOff + j);
        }
        for (; j < n; j++) out[outOff + j] = (g[gOff + j] - rowDot) * p[pOff + j] * scale;
    }
}
