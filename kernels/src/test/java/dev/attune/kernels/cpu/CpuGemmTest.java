package dev.attune.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link CpuGemm#sgemm} against a naive triple loop accumulated in double. */
class CpuGemmTest {
    /** Sentinel for C elements outside the m x n windows: must survive every call untouched. */
    private static final float GUARD = -12345.5f;

    /** One problem: sizes, transposes, layout padding and scalars. */
    private record Case(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha, float beta,
                        int padA, int padB, int padC, int offset, boolean broadcastA, boolean broadcastB) {
        Case(boolean transA, boolean transB, int m, int n, int k) {
            this(transA, transB, 1, m, n, k, 1f, 0f, 0, 0, 0, 0, false, false);
        }
    }

    /** Operands laid out as a Case describes, plus the expected result and error bound per C element. */
    private static final class Problem {
        final Case cs;
        final int lda, ldb, ldc;
        final long strideA, strideB, strideC;
        final float[] a, b, c;
        final double[] want, bound;

        Problem(Case cs, long seed) {
            this.cs = cs;
            SplittableRandom rnd = new SplittableRandom(seed);
            int aRows = cs.transA ? cs.k : cs.m, aCols = cs.transA ? cs.m : cs.k;
            int bRows = cs.transB ? cs.n : cs.k, bCols = cs.transB ? cs.k : cs.n;
            lda = Math.max(1, aCols) + cs.padA;
            ldb = Math.max(1, bCols) + cs.padB;
            ldc = cs.n + cs.padC;
            long aSize = (long) aRows * lda, bSize = (long) bRows * ldb, cSize = (long) cs.m * ldc;
            strideA = cs.broadcastA ? 0 : aSize + 3;
            strideB = cs.broadcastB ? 0 : bSize + 5;
            strideC = cSize + 7;
            a = new float[(int) (cs.offset + strideA * (cs.batch - 1) + aSize + 2)];
            b = new float[(int) (cs.offset + strideB * (cs.batch - 1) + bSize + 2)];
            c = new float[(int) (cs.offset + strideC * (cs.batch - 1) + cSize + 2)];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
            for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() * 2 - 1);
            Arrays.fill(c, GUARD);
            int mn = cs.m * cs.n;
            want = new double[cs.batch * mn];
            bound = new double[cs.batch * mn];
            for (int p = 0; p < cs.batch; p++) {
                int ab = (int) (cs.offset + p * strideA), bb = (int) (cs.offset + p * strideB);
                int cb = (int) (cs.offset + p * strideC);
                for (int i = 0; i < cs.m; i++)
                    for (int j = 0; j < cs.n; j++) {
                        // beta == 0 must ignore C entirely: fill with NaN; otherwise with data.
                        float old = cs.beta == 0f ? Float.NaN : (float) (rnd.nextDouble() * 2 - 1);
                        c[cb + i * ldc + j] = old;
                        double s = 0, abs = 0;
                        for (int q = 0; q < cs.k; q++) {
                            double x = a[ab + (cs.transA ? q * lda + i : i * lda + q)];
                            double y = b[bb + (cs.transB ? j * ldb + q : q * ldb + j)];
                            s += x * y;
                            abs += Math.abs(x * y);
                        }
                        double w = cs.alpha * s + (cs.beta == 0f ? 0 : cs.beta * (double) old);
                        want[p * mn + i * cs.n + j] = w;
                        bound[p * mn + i * cs.n + j] = 1e-5 * Math.sqrt(Math.max(1, cs.k))
                                * (Math.abs(cs.alpha) * abs + (cs.beta == 0f ? 0 : Math.abs(cs.beta * old))) + 1e-30;
                    }
            }
        }

        float[] run() {
            float[] out = c.clone();
            CpuGemm.sgemm(cs.transA, cs.transB, cs.batch, cs.m, cs.n, cs.k, cs.alpha,
                    a, cs.offset, lda, strideA, b, cs.offset, ldb, strideB, cs.beta,
                    out, cs.offset, ldc, strideC);
            return out;
        }

        void check(float[] out) {
            boolean[] inside = new boolean[out.length];
            int mn = cs.m * cs.n;
            for (int p = 0; p < cs.batch; p++) {
                int cb = (int) (cs.offset + p * strideC);
                for (int i = 0; i < cs.m; i++)
                    for (int j = 0; j < cs.n; j++) {
                        int idx = cb + i * ldc + j;
                        inside[idx] = true;
                        double w = want[p * mn + i * cs.n + j], got = out[idx];
                        if (!(Math.abs(got - w) <= bound[p * mn + i * cs.n + j]))
                            fail(cs + ": C[" + p + "][" + i + "][" + j + "] = " + got + ", want " + w
                                    + " (bound " + bound[p * mn + i * cs.n + j] + ")");
                    }
            }
            for (int i = 0; i < out.length; i++)
                if (!inside[i] && Float.floatToRawIntBits(out[i]) != Float.floatToRawIntBits(GUARD))
                    fail(cs + ": C element " + i + " outside the m x n windows was written: " + out[i]);
        }
    }

    private static void verify(Case cs) {
        Problem pr = new Problem(cs, 31L * cs.hashCode() + 7);
        pr.check(pr.run());
    }

    private static final boolean[] TF = {false, true};

    @Test
    void allTransposesOddSizes() {
        int[][] shapes = {
                {1, 1, 1}, {1, 7, 5}, {7, 1, 5}, {5, 7, 1}, {2, 3, 4}, {17, 33, 65}, {33, 17, 7}, {65, 2, 130},
                {1, 257, 130}, {130, 1, 257}, {257, 130, 1}, {130, 257, 33}, {65, 65, 65}, {33, 130, 257},
                {257, 33, 17}, {7, 257, 300}, {13, 100, 600},
        };
        for (int[] s : shapes)
            for (boolean ta : TF)
                for (boolean tb : TF) verify(new Case(ta, tb, s[0], s[1], s[2]));
    }

    @Test
    void squareSizesAroundBlockEdges() {
        for (int s : new int[] {8, 16, 31, 32, 48, 64, 96, 128, 192, 200})
            verify(new Case(false, false, s, s, s));
        verify(new Case(false, false, 197, 260, 513)); // k crosses two depth-block edges
        verify(new Case(true, true, 385, 70, 257));     // m crosses row blocks
    }

    @Test
    void alphaBetaAndPaddedLayouts() {
        for (boolean ta : TF)
            for (boolean tb : TF)
                for (float beta : new float[] {0f, 1f, 0.5f})
                    for (int[] s : new int[][] {{9, 11, 13}, {70, 129, 300}, {4, 300, 40}}) {
                        verify(new Case(ta, tb, 1, s[0], s[1], s[2], -1.75f, beta, 3, 5, 7, 11, false, false));
                        verify(new Case(ta, tb, 1, s[0], s[1], s[2], 1f, beta, 0, 1, 2, 1, false, false));
                    }
    }

    @Test
    void batchedWithStridesAndBroadcast() {
        for (boolean ta : TF)
            for (boolean tb : TF) {
                verify(new Case(ta, tb, 5, 33, 40, 17, 0.75f, 0.5f, 1, 2, 3, 4, false, false));
                verify(new Case(ta, tb, 6, 64, 50, 40, 1f, 0f, 0, 0, 0, 0, true, false));
                verify(new Case(ta, tb, 4, 70, 33, 90, 2f, 1f, 2, 0, 1, 3, false, true));
                verify(new Case(ta, tb, 3, 9, 10, 11, 1f, 0f, 0, 0, 0, 0, true, true));
                verify(new Case(ta, tb, 7, 3, 5, 2, 1f, 0.5f, 1, 1, 1, 1, false, false)); // small path
            }
        // attention-like: many small heads
        verify(new Case(false, true, 16, 128, 128, 40, 0.125f, 0f, 0, 0, 0, 0, false, false));
        verify(new Case(false, false, 16, 128, 40, 128, 1f, 0f, 0, 0, 0, 0, false, false));
    }

    @Test
    void kZeroScalesC() {
        for (float beta : new float[] {0f, 1f, 0.5f}) {
            Problem pr = new Problem(new Case(false, false, 2, 5, 6, 0, 1.5f, beta, 0, 0, 3, 2, false, false), 3);
            pr.check(pr.run());
        }
        // alpha == 0: A and B are not read (NaN there must not leak), C = beta C
        Problem pr = new Problem(new Case(true, false, 1, 40, 50, 60, 0f, 0.5f, 0, 0, 0, 0, false, false), 4);
        Arrays.fill(pr.a, Float.NaN);
        pr.check(pr.run());
    }

    @Test
    void deterministic() {
        for (Case cs : new Case[] {
                new Case(false, false, 1, 300, 260, 600, 1f, 0f, 0, 0, 0, 0, false, false),
                new Case(true, true, 8, 100, 90, 70, 0.5f, 0.5f, 1, 1, 1, 1, false, false)}) {
            Problem pr = new Problem(cs, 99);
            float[] r1 = pr.run(), r2 = pr.run();
            assertArrayEquals(r1, r2, cs.toString());
            for (int i = 0; i < r1.length; i++)
                assertEquals(Float.floatToRawIntBits(r1[i]), Float.floatToRawIntBits(r2[i]), "element " + i);
        }
    }

    /**
     * The work split (rows or columns), B packed up front or per task, and A packed or read in
     * place all change with the shape; each C element must still come out bit for bit the same.
     * A product is compared with the same product widened by extra columns of B (80 columns: A in
     * place with transA, columns split; 400: A packed) and by extra rows of A (rows split).
     */
    @Test
    void resultsDoNotDependOnTheBlockingPath() {
        int m = 200, k = 600, n = 80, wideN = 400, tallM = 1000;
        Random rnd = new Random(5);
        float[] a = new float[tallM * k], b = new float[k * wideN];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        for (boolean ta : TF)
            for (boolean tb : TF) {
                // op(A) rows 0..m-1 of a tallM x k matrix; op(B) columns 0..n-1 of a k x wideN matrix
                int lda = ta ? tallM : k, ldb = tb ? k : wideN;
                float[] narrow = new float[m * n], wide = new float[m * wideN], tall = new float[tallM * n];
                CpuGemm.sgemm(ta, tb, 1, m, n, k, 1f, a, 0, lda, 0, b, 0, ldb, 0, 0f, narrow, 0, n, 0);
                CpuGemm.sgemm(ta, tb, 1, m, wideN, k, 1f, a, 0, lda, 0, b, 0, ldb, 0, 0f, wide, 0, wideN, 0);
                CpuGemm.sgemm(ta, tb, 1, tallM, n, k, 1f, a, 0, lda, 0, b, 0, ldb, 0, 0f, tall, 0, n, 0);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        int want = Float.floatToRawIntBits(narrow[i * n + j]);
                        assertEquals(want, Float.floatToRawIntBits(wide[i * wideN + j]),
                                "ta=" + ta + " tb=" + tb + " C[" + i + "][" + j + "] with " + wideN + " columns");
                        assertEquals(want, Float.floatToRawIntBits(tall[i * n + j]),
                                "ta=" + ta + " tb=" + tb + " C[" + i + "][" + j + "] with " + tallM + " rows");
                    }
            }
    }

    @Test
    void badArgumentsAreNamed() {
        float[] x = new float[12];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                CpuGemm.sgemm(false, false, 1, 3, 4, 4, 1f, x, 0, 4, 0, x, 0, 4, 0, 0f, x, 0, 4, 0));
        assertEquals(true, e.getMessage().contains("B"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () ->
                CpuGemm.sgemm(false, false, 1, 3, 4, 4, 1f, x, 0, 2, 0, x, 0, 4, 0, 0f, x, 0, 4, 0));
        assertThrows(IllegalArgumentException.class, () ->
                CpuGemm.sgemm(false, false, -1, 3, 4, 4, 1f, x, 0, 4, 0, x, 0, 4, 0, 0f, x, 0, 4, 0));
    }
}
