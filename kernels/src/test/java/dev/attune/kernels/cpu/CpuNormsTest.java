package dev.attune.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.kernels.Backend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused row kernels (softmax, layer norm, batch norm) through {@link CpuBackend} against the
 * simple definitions evaluated in double. Row lengths below, at and off the vector length (16
 * floats with AVX-512) take the vector loops, the scalar tails and both; the large shapes split
 * over threads.
 */
class CpuNormsTest {
    private static final CpuBackend B = CpuBackend.INSTANCE;
    private static final int[] LENGTHS = {1, 3, 15, 16, 17, 33, 128, 250};

    static float[] random(long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    static CpuStorage st(float[] x) {
        return new CpuStorage(x);
    }

    /** |got - want| <= atol + rtol |want| element by element; NaN must meet NaN. */
    static void close(String what, double[] want, float[] got, int gotOff, double atol, double rtol) {
        for (int i = 0; i < want.length; i++) {
            double w = want[i], g = got[gotOff + i];
            if (Double.isNaN(w) && Double.isNaN(g)) continue;
            if (!(Math.abs(w - g) <= atol + rtol * Math.abs(w))) fail(what + ": element " + i + " expected " + w + ", got " + g);
        }
    }

    // ---- softmax ------------------------------------------------------------------------------

    /** Softmax or log-softmax of contiguous rows in double. */
    static double[] softmaxReference(boolean log, float[] x, int off, int rows, int n) {
        double[] y = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, x[off + r * n + j]);
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(x[off + r * n + j] - max);
            for (int j = 0; j < n; j++) {
                double v = x[off + r * n + j] - max;
                y[r * n + j] = log ? v - Math.log(sum) : Math.exp(v) / sum;
            }
        }
        return y;
    }

    @Test
    void softmaxRowsMatchTheDefinition() {
        for (boolean log : new boolean[] {false, true}) {
            for (int n : LENGTHS) {
                for (int rows : new int[] {5, 70_000 / n + 1}) {
                    float[] x = random(n * 31L + rows, rows * n + 3, -8, 8);
                    float[] y = new float[rows * n + 2];
                    B.softmax(log, st(x), 3, rows, n, 1, st(y), 2);
                    // log: y = x - lse rounds like x (|x| <= 8, an ulp is 1e-6) however small y is.
                    close("softmax log=" + log + " n=" + n, softmaxReference(log, x, 3, rows, n), y, 2, log ? 2e-6 : 1e-7, 2e-6);
                }
            }
        }
    }

    @Test
    void softmaxOfMaskedAndNaNRows() {
        float inf = Float.NEGATIVE_INFINITY;
        for (boolean log : new boolean[] {false, true}) {
            for (int n : new int[] {5, 16, 37}) {
                float[] x = random(n, 5 * n, -3, 3);
                for (int j = 0; j < n; j++) x[j] = inf;                 // row 0: fully masked -> NaN
                for (int j = 0; j < n; j += 2) x[n + j] = inf;          // row 1: half masked -> 0 (or -inf) there
                x[2 * n + n / 2] = Float.NaN;                           // row 2: a NaN -> NaN row
                x[4 * n + n - 1] = Float.intBitsToFloat(0xffc00000);    // row 4: a NaN with the sign bit (x86's default NaN)
                float[] y = new float[5 * n];
                B.softmax(log, st(x), 0, 5, n, 1, st(y), 0);
                for (int j = 0; j < n; j++) {
                    assertTrue(Float.isNaN(y[j]), "fully masked row gives NaN");
                    assertTrue(Float.isNaN(y[2 * n + j]), "a NaN spreads over its row");
                    assertTrue(Float.isNaN(y[4 * n + j]), "a negative NaN spreads over its row");
                    if (j % 2 == 0) assertEquals(log ? inf : 0f, y[n + j], "masked entry");
                }
                double[] want = softmaxReference(log, x, 3 * n, 1, n);
                close("unmasked row", want, y, 3 * n, 2e-6, 2e-6);
                double[] half = softmaxReference(log, x, n, 1, n);
                for (int j = 1; j < n; j += 2) assertEquals(half[j], y[n + j], 2e-6 + 2e-6 * Math.abs(half[j]));
            }
        }
    }

    @Test
    void softmaxOverAMiddleAxisMatchesTheContiguousRows() {
        // (outer 3, n 21, inner 5): the strided path, compared with the same rows laid out contiguously.
        int outer = 3, n = 21, inner = 5;
        float[] x = random(5, outer * n * inner, -5, 5), rows = new float[x.length];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < n; j++)
                for (int i = 0; i < inner; i++) rows[(o * inner + i) * n + j] = x[(o * n + j) * inner + i];
        for (boolean log : new boolean[] {false, true}) {
            float[] y = new float[x.length];
            B.softmax(log, st(x), 0, outer, n, inner, st(y), 0);
            double[] want = softmaxReference(log, rows, 0, outer * inner, n);
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < n; j++)
                    for (int i = 0; i < inner; i++) {
                        double w = want[(o * inner + i) * n + j];
                        assertEquals(w, y[(o * n + j) * inner + i], 2e-6 + 2e-6 * Math.abs(w));
                    }
        }
    }

    @Test
    void softmaxBackwardMatchesTheDefinition() {
        for (boolean log : new boolean[] {false, true}) {
            for (int n : LENGTHS) {
                for (int rows : new int[] {4, 70_000 / n + 1}) {
                    float[] x = random(n * 7L + rows, rows * n, -4, 4), gy = random(n + 99L, rows * n, -1, 1);
                    float[] y = new float[rows * n], gx = new float[rows * n];
                    B.softmax(log, st(x), 0, rows, n, 1, st(y), 0);
                    B.softmaxBackward(log, st(y), st(gy), rows, n, 1, st(gx));
                    double[] want = new double[rows * n];
                    for (int r = 0; r < rows; r++) {
                        double dot = 0;
                        for (int j = 0; j < n; j++) dot += log ? gy[r * n + j] : (double) gy[r * n + j] * y[r * n + j];
                        for (int j = 0; j < n; j++) {
                            int q = r * n + j;
                            want[q] = log ? gy[q] - Math.exp(y[q]) * dot : y[q] * (gy[q] - dot);
                        }
                    }
                    // The row sum is taken in float: its rounding scales with the terms' magnitudes.
                    close("softmaxBackward log=" + log + " n=" + n, want, gx, 0, 2e-6 * Math.sqrt(n), 2e-6);
                }
            }
        }
    }

    // ---- layer norm ---------------------------------------------------------------------------

    @Test
    void layerNormMatchesTheDefinition() {
        for (int cols : LENGTHS) {
            for (int rows : new int[] {3, 130}) {
                for (int variant = 0; variant < 3; variant++) {
                    float[] x = random(cols * 13L + rows, rows * cols, -3, 5);
                    float[] g = variant == 2 ? null : random(cols, cols, 0.5, 1.5), bt = variant == 0 ? random(cols + 1L, cols, -1, 1) : null;
                    float[] y = new float[rows * cols], mean = new float[rows], rstd = new float[rows];
                    B.layerNorm(st(x), g == null ? null : st(g), bt == null ? null : st(bt), rows, cols, 1e-5f, st(y), st(mean), st(rstd));
                    double[] wantY = new double[rows * cols], wantMean = new double[rows], wantRstd = new double[rows];
                    for (int r = 0; r < rows; r++) {
                        double s = 0, v = 0;
                        for (int j = 0; j < cols; j++) s += x[r * cols + j];
                        double mu = s / cols;
                        for (int j = 0; j < cols; j++) v += (x[r * cols + j] - mu) * (x[r * cols + j] - mu);
                        double inv = 1 / Math.sqrt(v / cols + 1e-5);
                        wantMean[r] = mu;
                        wantRstd[r] = inv;
                        for (int j = 0; j < cols; j++) {
                            wantY[r * cols + j] = (x[r * cols + j] - mu) * inv * (g == null ? 1 : g[j]) + (bt == null ? 0 : bt[j]);
                        }
                    }
                    String what = "layerNorm cols=" + cols + " rows=" + rows + " variant=" + variant;
                    close(what + " y", wantY, y, 0, 2e-6, 2e-6);
                    close(what + " mean", wantMean, mean, 0, 1e-6, 1e-6);
                    close(what + " rstd", wantRstd, rstd, 0, 1e-6, 2e-6);
                }
            }
        }
    }

    @Test
    void layerNormBackwardMatchesTheDefinition() {
        for (int cols : LENGTHS) {
            for (int rows : new int[] {3, 64, 200}) {
                for (int variant = 0; variant < 3; variant++) {
                    float[] x = random(cols * 3L + rows, rows * cols, -3, 5), gy = random(rows + 5L, rows * cols, -1, 1);
                    float[] g = variant == 1 ? null : random(cols, cols, 0.5, 1.5);
                    float[] y = new float[rows * cols], mean = new float[rows], rstd = new float[rows], gx = new float[rows * cols];
                    B.layerNorm(st(x), g == null ? null : st(g), null, rows, cols, 1e-5f, st(y), st(mean), st(rstd));
                    float[] gg = variant == 2 ? null : new float[cols], gb = new float[cols];
                    B.layerNormBackward(st(x), g == null ? null : st(g), st(mean), st(rstd), st(gy), rows, cols, st(gx),
                            gg == null ? null : st(gg), st(gb));
                    double[] wantGx = new double[rows * cols], wantGg = new double[cols], wantGb = new double[cols];
                    for (int r = 0; r < rows; r++) {
                        double sumG = 0, sumGH = 0;
                        for (int j = 0; j < cols; j++) {
                            int q = r * cols + j;
                            double h = (x[q] - (double) mean[r]) * rstd[r], gj = gy[q] * (g == null ? 1.0 : g[j]);
                            sumG += gj;
                            sumGH += gj * h;
                            wantGg[j] += gy[q] * h;
                            wantGb[j] += gy[q];
                        }
                        for (int j = 0; j < cols; j++) {
                            int q = r * cols + j;
                            double h = (x[q] - (double) mean[r]) * rstd[r], gj = gy[q] * (g == null ? 1.0 : g[j]);
                            wantGx[q] = rstd[r] * (gj - sumG / cols - h * sumGH / cols);
                        }
                    }
                    String what = "layerNormBackward cols=" + cols + " rows=" + rows + " variant=" + variant;
                    close(what + " gx", wantGx, gx, 0, 1e-5, 1e-5);
                    if (gg != null) close(what + " gGamma", wantGg, gg, 0, 1e-5 * Math.sqrt(rows), 1e-5);
                    close(what + " gBeta", wantGb, gb, 0, 1e-5 * Math.sqrt(rows), 1e-5);
                }
            }
        }
    }

    @Test
    void layerNormBackwardIsBitIdenticalRunToRun() {
        int rows = 300, cols = 77;
        float[] x = random(1, rows * cols, -2, 2), gy = random(2, rows * cols, -1, 1), g = random(3, cols, 0.5, 1.5);
        float[] y = new float[rows * cols], mean = new float[rows], rstd = new float[rows];
        B.layerNorm(st(x), st(g), null, rows, cols, 1e-5f, st(y), st(mean), st(rstd));
        float[][] runs = new float[2][];
        for (int k = 0; k < 2; k++) {
            float[] gx = new float[rows * cols], gg = new float[cols], gb = new float[cols];
            B.layerNormBackward(st(x), st(g), st(mean), st(rstd), st(gy), rows, cols, st(gx), st(gg), st(gb));
            float[] all = new float[gx.length + 2 * cols];
            System.arraycopy(gx, 0, all, 0, gx.length);
            System.arraycopy(gg, 0, all, gx.length, cols);
            System.arraycopy(gb, 0, all, gx.length + cols, cols);
            runs[k] = all;
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    // ---- batch norm ---------------------------------------------------------------------------

    @Test
    void batchNormMatchesTheDefinition() {
        // (outer, channels, inner); the last shape splits the backward into blocks of 6 channels.
        for (int[] shape : new int[][] {{3, 4, 1}, {3, 4, 5}, {3, 4, 16}, {3, 4, 37}, {3, 4, 128}, {2, 9, 5000}}) {
            int outer = shape[0], ch = shape[1], inner = shape[2];
            int size = outer * ch * inner;
            float[] x = random(inner, size, -2, 4), gy = random(inner + 1L, size, -1, 1);
            float[] g = random(7, ch, 0.5, 1.5), bt = random(8, ch, -1, 1);
            float[] mean = new float[ch], var = new float[ch], inv = new float[ch], y = new float[size];
            B.channelMoments(st(x), outer, ch, inner, st(mean), st(var));
            for (int c = 0; c < ch; c++) inv[c] = (float) (1 / Math.sqrt(var[c] + 1e-5));
            B.channelNormalize(st(x), outer, ch, inner, st(mean), st(inv), st(g), st(bt), st(y));
            float[] gx = new float[size], gg = new float[ch], gb = new float[ch];
            B.batchNormBackward(st(x), st(gy), outer, ch, inner, st(mean), st(inv), st(g), st(gx), st(gg), st(gb));

            double m = outer * inner;
            double[] wMean = new double[ch], wVar = new double[ch], wY = new double[size], wGx = new double[size];
            double[] wGg = new double[ch], wGb = new double[ch];
            for (int c = 0; c < ch; c++) {
                double s = 0, v = 0, sg = 0, sgh = 0;
                for (int o = 0; o < outer; o++) for (int i = 0; i < inner; i++) s += x[(o * ch + c) * inner + i];
                double mu = s / m;
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++) {
                        int q = (o * ch + c) * inner + i;
                        v += (x[q] - mu) * (x[q] - mu);
                        double h = (x[q] - (double) mean[c]) * inv[c];
                        wY[q] = h * g[c] + bt[c];
                        sg += gy[q];
                        sgh += gy[q] * h;
                    }
                wMean[c] = mu;
                wVar[c] = v / m;
                wGg[c] = sgh;
                wGb[c] = sg;
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++) {
                        int q = (o * ch + c) * inner + i;
                        double h = (x[q] - (double) mean[c]) * inv[c];
                        wGx[q] = g[c] * inv[c] * (gy[q] - sg / m - h * sgh / m);
                    }
            }
            String what = "batchNorm " + java.util.Arrays.toString(shape);
            close(what + " mean", wMean, mean, 0, 1e-6, 1e-6);
            close(what + " var", wVar, var, 0, 1e-6, 2e-6);
            close(what + " y", wY, y, 0, 2e-6, 2e-6);
            close(what + " gx", wGx, gx, 0, 1e-5, 1e-5);
            close(what + " gGamma", wGg, gg, 0, 1e-5, 1e-5);
            close(what + " gBeta", wGb, gb, 0, 1e-5, 1e-5);
        }
    }

    /**
     * The CPU's fused batchNormTraining against Backend's default composition (channelMoments, AFFINE,
     * RSQRT, channelNormalize), reached through a proxy that runs interface defaults and sends the rest
     * to the CPU backend: the same bits, with and without gamma and beta (channel counts that the
     * vector RSQRT covers whole; its scalar tail computes in double).
     */
    @Test
    void fusedBatchNormTrainingEqualsTheComposition() {
        Backend composed = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, m, args) -> m.isDefault() ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, m, args) : m.invoke(B, args));
        for (int[] shape : new int[][] {{3, 16, 5}, {2, 32, 128}, {4, 16, 37}}) {
            int outer = shape[0], ch = shape[1], inner = shape[2], size = outer * ch * inner;
            float[] x = random(inner, size, -2, 4), g = random(7, ch, 0.5, 1.5), bt = random(8, ch, -1, 1);
            for (boolean affine : new boolean[] {true, false}) {
                float[][] got = new float[2][];
                Backend[] backends = {B, composed};
                for (int k = 0; k < 2; k++) {
                    float[] mean = new float[ch], var = new float[ch], inv = new float[ch], y = new float[size];
                    backends[k].batchNormTraining(st(x), outer, ch, inner, 1e-5f, affine ? st(g) : null, affine ? st(bt) : null,
                            st(mean), st(var), st(inv), st(y));
                    float[] all = new float[size + 3 * ch];
                    System.arraycopy(y, 0, all, 0, size);
                    System.arraycopy(mean, 0, all, size, ch);
                    System.arraycopy(var, 0, all, size + ch, ch);
                    System.arraycopy(inv, 0, all, size + 2 * ch, ch);
                    got[k] = all;
                }
                assertArrayEquals(got[1], got[0], "batchNormTraining " + java.util.Arrays.toString(shape) + " affine=" + affine);
            }
        }
    }
}
