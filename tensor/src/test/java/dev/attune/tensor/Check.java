package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;

/** Assertions shared by the tensor tests. */
final class Check {
    private Check() {}

    static void close(float[] expected, Tensor actual, double tol) {
        float[] got = actual.toFloatArray();
        if (expected.length != got.length) fail("expected " + expected.length + " values, got " + got.length + " of shape "
                + java.util.Arrays.toString(actual.shape()));
        for (int k = 0; k < got.length; k++) {
            double e = expected[k], g = got[k];
            if (Double.isNaN(e) && Double.isNaN(g)) continue;
            if (!(Math.abs(e - g) <= tol * (1 + Math.abs(e)))) {
                fail("element " + k + ": expected " + e + ", got " + g + " (tol " + tol + ")");
            }
        }
    }

    static void shape(Tensor t, int... expected) {
        assertArrayEquals(expected, t.shape(), "shape");
    }

    /** Asserts the autograd gradients of f match central differences. */
    static void grad(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(f, inputs);
        assertTrue(r.passed(), r.message());
    }

    static Tensor randn(long seed, int... shape) {
        return new Generator(seed).randn(shape);
    }
}
