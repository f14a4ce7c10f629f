package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.CpuNormsTest.random;
import static dev.attune.kernels.cpu.CpuNormsTest.st;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.kernels.Backend.Distribution;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.CounterRng;
import dev.attune.kernels.DType;
import dev.attune.kernels.UnaryOp;
import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The vector forms of exp, tanh and GELU over a dense grid against double references; the broadcast
 * binary paths and the dense copy against their scalar definitions.
 */
class CpuElementwiseTest {
    /**
     * UNIFORM and BERNOULLI draws (vector lanes, 8 positions at a time) are CounterRng's scalar
     * values bit for bit, at an odd start and length so that the scalar tail runs too.
     */
    @Test
    void vectorDrawsEqualTheScalarGenerator() {
        CpuBackend be = CpuBackend.INSTANCE;
        int n = 100_003, offset = 5;
        long seed = 77, counter = 1_000_001;
        for (Distribution d : new Distribution[] {Distribution.UNIFORM, Distribution.BERNOULLI}) {
            float a = d == Distribution.BERNOULLI ? 0.3f : -1.5f, b = 2.5f;
            var out = be.allocate(DType.FLOAT32, n + offset);
            be.random(d, a, b, seed, counter, out, offset, n);
            float[] got = ((CpuStorage) out).floats();
            for (int k = 0; k < n; k++) {
                float u = CounterRng.uniform(seed, counter + k);
                float expected = d == Distribution.BERNOULLI ? (u < a ? 1f : 0f) : a + (b - a) * u;
                if (Float.floatToRawIntBits(got[offset + k]) != Float.floatToRawIntBits(expected)) {
                    fail(d + " at " + k + ": expected " + expected + ", got " + got[offset + k]);
                }
            }
            assertEquals(0f, got[0], "before the offset");
        }
    }

    private static final CpuBackend B = CpuBackend.INSTANCE;

    private static double gelu(double x) {
        return x * CpuBackend.normalCdf(x);
    }

    private static double geluGrad(double x) {
        return CpuBackend.normalCdf(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    /** Applies op to x through the backend: the vector loop for all but the last n mod 16 elements. */
    private static float[] apply(UnaryOp op, float[] x) {
        float[] y = new float[x.length];
        B.unary(op, 0f, 0f, st(x), 0, st(y), 0, x.length);
        return y;
    }

    /** The largest |got - want| / scale over the grid; fails on a NaN mismatch. */
    private static double worst(UnaryOp op, DoubleUnaryOperator want, DoubleUnaryOperator scale, float[] x) {
        float[] y = apply(op, x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double w = want.applyAsDouble(x[i]);
            if (Double.isNaN(w) != Float.isNaN(y[i])) fail(op + "(" + x[i] + ") = " + y[i] + ", expected " + w);
            if (Double.isNaN(w) || w == y[i]) continue;
            worst = Math.max(worst, Math.abs(y[i] - w) / scale.applyAsDouble(x[i]));
        }
        return worst;
    }

    /** -12..12 in steps of 2^-10, plus tiny and huge magnitudes. */
    private static float[] grid() {
        int n = 24 * 1024 + 1;
        float[] x = new float[n + 8];
        for (int i = 0; i < n; i++) x[i] = -12f + i / 1024f;
        float[] extra = {1e-30f, -1e-30f, 3e-8f, -0.6249f, 0.6251f, 40f, -40f, 1e4f};
        System.arraycopy(extra, 0, x, n, extra.length);
        return x;
    }

    @Test
    void vectorExpIsWithinAnUlpAndSaturates() {
        int n = 1 << 20;
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87.3f + (88.7f + 87.3f) * i / (n - 1);
        for (int i = 0; i < n; i += VectorRows.VL) VectorMath.exp(FloatVector.fromArray(VectorRows.S, x, i)).intoArray(y, i);
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - Math.exp(x[i])) / Math.exp(x[i]));
        assertTrue(worst < 1.5e-7, "exp max relative error " + worst);
        float[] special = new float[VectorRows.VL];
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 100f, -100f, 88.8f, -88f};
        System.arraycopy(values, 0, special, 0, values.length);
        float[] got = new float[special.length];
        VectorMath.exp(FloatVector.fromArray(VectorRows.S, special, 0)).intoArray(got, 0);
        assertTrue(Float.isNaN(got[0]));
        assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0f, 1f, 1f, Float.POSITIVE_INFINITY, 0f, Float.POSITIVE_INFINITY, 0f},
                java.util.Arrays.copyOfRange(got, 1, values.length));
    }

    /** The softmax exp, which builds 2^k from the rounding constant's bits: as accurate, and NaN (any payload) stays NaN. */
    @Test
    void vectorExpOfNonPositiveIsWithinAnUlpAndKeepsNaN() {
        int n = 1 << 20;
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87.3f * i / (n - 1);
        for (int i = 0; i < n; i += VectorRows.VL) VectorMath.expNonPositive(FloatVector.fromArray(VectorRows.S, x, i)).intoArray(y, i);
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - Math.exp(x[i])) / Math.exp(x[i]));
        assertTrue(worst < 1.5e-7, "expNonPositive max relative error " + worst);
        float[] special = new float[VectorRows.VL];
        float[] values = {Float.NaN, Float.intBitsToFloat(0x7fc12345), Float.intBitsToFloat(0xffa00001), Float.NEGATIVE_INFINITY,
                0f, -0f, -87.3f, -88f, -100f};
        System.arraycopy(values, 0, special, 0, values.length);
        float[] got = new float[special.length];
        VectorMath.expNonPositive(FloatVector.fromArray(VectorRows.S, special, 0)).intoArray(got, 0);
        for (int i = 0; i < 3; i++) assertTrue(Float.isNaN(got[i]), "NaN " + i + " gave " + got[i]);
        assertArrayEquals(new float[] {0f, 1f, 1f, (float) Math.exp(-87.3f), 0f, 0f}, java.util.Arrays.copyOfRange(got, 3, values.length));
    }

    @Test
    void logOfASoftmaxSumIsWithinTwoUlpsOfTheTrueLog() {
        double worst = 0;
        for (float s = Math.nextUp(1f); s < 1e7f; s = Math.nextUp(s * 1.0001f)) {
            double want = Math.log(s);
            worst = Math.max(worst, Math.abs(VectorMath.logOfSum(s) - want) / Math.ulp((float) want));
        }
        assertTrue(worst <= 2, "logOfSum max error in ulps " + worst);
        assertEquals(0f, VectorMath.logOfSum(1f));
        assertEquals((float) Math.log(Math.sqrt(2)), VectorMath.logOfSum(1.4142135f), 1e-7f);
        assertTrue(Float.isNaN(VectorMath.logOfSum(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.logOfSum(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.logOfSum(0f));
    }

    @Test
    void vectorTanhIsWithinAFewUlps() {
        double err = worst(UnaryOp.TANH, Math::tanh, x -> Math.abs(Math.tanh(x)), grid());
        assertTrue(err < 2e-7, "tanh max relative error " + err);
        // Signed zeros and the smallest subnormals keep their sign and value (tanh x = x there).
        float[] x = new float[VectorRows.VL];
        float[] values = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-39f, -1e-39f};
        System.arraycopy(values, 0, x, 0, values.length);
        float[] y = apply(UnaryOp.TANH, x);
        for (int i = 0; i < values.length; i++)
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(y[i]), "tanh(" + values[i] + ") = " + y[i]);
    }

    @Test
    void vectorGeluAndItsGradientAreWithinAFewUlps() {
        double err = worst(UnaryOp.GELU, CpuElementwiseTest::gelu, x -> Math.abs(gelu(x)), grid());
        assertTrue(err < 1e-6, "gelu max relative error " + err);
        // gelu' = Phi + x phi crosses zero near x = -0.75: relative to the size of its two terms.
        double gErr = worst(UnaryOp.GELU_GRAD, CpuElementwiseTest::geluGrad,
                x -> CpuBackend.normalCdf(x) + Math.abs(x) * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI), grid());
        assertTrue(gErr < 1e-6, "gelu' max relative error " + gErr);
    }

    @Test
    void specialValuesMatchTheScalarPath() {
        // 16 lanes of special values, so the vector loop (not the scalar tail) computes them.
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 100f, -100f, 1e-38f,
                -1e-38f, 0.625f, -0.625f, 0.75f * (float) Math.sqrt(2), 6f * (float) Math.sqrt(2), 9f, -9f, 2f};
        for (UnaryOp op : new UnaryOp[] {UnaryOp.TANH, UnaryOp.GELU, UnaryOp.GELU_GRAD}) {
            float[] y = apply(op, x);
            for (int i = 0; i < x.length; i++) {
                float want = CpuBackend.scalarUnary(op, 0f, 0f, x[i]);
                if (Float.isNaN(want)) assertTrue(Float.isNaN(y[i]), op + "(" + x[i] + ") = " + y[i]);
                else assertEquals(want, y[i], 4e-7 * Math.abs(want) + 1e-37, op + "(" + x[i] + ")");
            }
        }
    }

    @Test
    void rowBroadcastBinaryOpsMatchTheScalarDefinition() {
        // a (rows, n) against a column (rows, 1): the column broadcast along rows, on either side.
        for (int n : new int[] {1, 7, 16, 19, 100}) {
            int rows = 5;
            float[] a = random(n, rows * n, -3, 3), col = random(n + 1L, rows, -2, 2);
            a[n / 2] = Float.NaN;
            col[1] = Float.NaN;
            col[2] = 0f;
            int[] shape = {rows, n}, dense = {n, 1}, bcast = {1, 0};
            for (BinaryOp op : BinaryOp.values()) {
                float[] right = new float[rows * n], left = new float[rows * n];
                B.binary(op, shape, st(a), 0, dense, st(col), 0, bcast, st(right), 0);
                B.binary(op, shape, st(col), 0, bcast, st(a), 0, dense, st(left), 0);
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < n; j++) {
                        int q = r * n + j;
                        assertEquals(CpuBackend.scalarBinary(op, a[q], col[r]), right[q], 0f, op + " a op col at " + q);
                        assertEquals(CpuBackend.scalarBinary(op, col[r], a[q]), left[q], 0f, op + " col op a at " + q);
                    }
            }
        }
    }

    @Test
    void denseCopiesSplitOverTheElements() {
        int n = 200_003;
        float[] src = random(3, n + 5, -1, 1), dst = new float[n + 9];
        dst[0] = 42f;
        B.copyStrided(st(src), 5, new int[] {1}, st(dst), 9, new int[] {1}, new int[] {n});
        assertEquals(42f, dst[0]);
        for (int i = 0; i < n; i++) assertEquals(src[5 + i], dst[9 + i]);
        // A dense 3-D block, and ints.
        int[] is = new int[6 * 7 * 8], id = new int[is.length];
        for (int i = 0; i < is.length; i++) is[i] = i * 3 - 7;
        B.copyStrided(new CpuStorage(is, DType.INT32), 0, new int[] {56, 8, 1}, new CpuStorage(id, DType.INT32), 0,
                new int[] {56, 8, 1}, new int[] {6, 7, 8});
        assertArrayEquals(is, id);
    }

    @Test
    void aTransposedCopyStillGoesElementByElement() {
        int rows = 37, cols = 41;
        float[] src = random(4, rows * cols, -1, 1), dst = new float[rows * cols];
        // dst (cols, rows) = src^T, read through the transposed strides of src.
        B.copyStrided(st(src), 0, new int[] {1, cols}, st(dst), 0, new int[] {rows, 1}, new int[] {cols, rows});
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) assertEquals(src[i * cols + j], dst[j * rows + i]);
    }
}
