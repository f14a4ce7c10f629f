package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.kernels.AdamScalars;
import dev.attune.kernels.Backend;
import dev.attune.kernels.Backend.Distribution;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.DType;
import dev.attune.kernels.ReduceOp;
import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import dev.attune.kernels.cpu.CpuBackend;
import dev.attune.kernels.cuda.CudaBackend;
import dev.attune.kernels.cuda.Cublas;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite (DESIGN decision 5): every {@link Backend} op, and through {@link Tensor}
 * every tensor op forward and backward, on the CPU (the oracle) and on every other backend
 * present (CUDA device 0), compared element by element. Our GEMM is also compared with cuBLAS.
 * Without a GPU the whole class is skipped, with the reason printed.
 *
 * <p>Tolerances (|gpu - cpu| <= atol + rtol |cpu|), and why:
 * <ul>
 *   <li>copies, fill, indexSelect/gather, where, comparisons, ARGMAX/ARGMIN, MAX/MIN, uniform and
 *       Bernoulli random numbers: exact (no arithmetic, or the same arithmetic in the same order);
 *   <li>unary maps and binary arithmetic: 2e-6 relative (CUDA's expf/logf/tanhf/powf are within
 *       2 ulp of correctly rounded; Java's within 1); bias + activation forward too (+ 2e-6 absolute
 *       near the activations' zeros), its backward 1e-5 (derivative maps, a column sum for the bias);
 *   <li>reductions, softmax, layer/batch norm, convolution, scatter/index adds, normal random
 *       numbers: 1e-5 relative + 1e-5 absolute (different summation order, FMA contraction);
 *   <li>FP32 GEMM: 1e-5 relative to the row's magnitude sum_q |a_iq b_qj| (rounding grows with k);
 *       TF32 GEMM (ours and cuBLAS's): 2e-3 of that magnitude (10-bit mantissa inputs);
 *   <li>tensor ops with autograd: 1e-4 relative + 1e-5 absolute on outputs and gradients
 *       (compositions of the above);
 *   <li>the LSTM cell's pointwise forward and backward: 1e-5 relative + 1e-5 absolute (CUDA's expf and
 *       tanhf against the CPU's vector polynomials, each within a few ulp, then a few products and a sum);
 *   <li>the Adam step: exact (both backends perform the same correctly rounded float32 operations in the
 *       same order: fma(x, s, 0), add, multiply, divide, square root, Math.max);
 *   <li>fused attention (forward out and lse, all five gradients) against {@link AttentionReference}, a
 *       double-precision loop of the contract: 1e-4 relative + 2e-5 of the tensor's largest magnitude (float
 *       dot products over d <= 128 and online-softmax / gradient sums over up to 130 keys or 70 rows, in a
 *       different order, with expf); the dropout mask itself is exact (the same counter RNG), and two
 *       backward runs are bit-identical (no atomics).
 * </ul>
 */
@Tag("cuda")
class CudaConformanceTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;
    private static CudaBackend gpu;
    private static Device cuda;

    @BeforeAll
    static void openCuda() {
        String reason = Device.cudaUnavailableReason();
        if (reason == null) {
            cuda = Device.cuda(0);
        } else if (Device.cudaEmulatorUnavailableReason() == null) {
            System.out.println("[cuda] no GPU (" + reason + "): the conformance suite runs the CUDA kernels in the CPU emulator");
            cuda = Device.cudaEmulator();
        } else {
            System.out.println("[cuda] CudaConformanceTest skipped: " + reason + "; " + Device.cudaEmulatorUnavailableReason());
            return;
        }
        gpu = (CudaBackend) cuda.backend();
        System.out.println("[cuda] conformance on " + gpu.device().name() + " (cc " + gpu.device().computeCapability() + ")");
    }

    /** Each test skips (and is counted as skipped) with the reasons where neither a GPU nor the emulator is. */
    @BeforeEach
    void requireCuda() {
        Assumptions.assumeTrue(gpu != null,
                () -> "CUDA unavailable: " + Device.cudaUnavailableReason() + "; " + Device.cudaEmulatorUnavailableReason());
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static float[] rand(long seed, int n, float lo, float hi) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextFloat();
        return v;
    }

    private static int[] randInts(long seed, int n, int bound) {
        Random r = new Random(seed);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt(bound);
        return v;
    }

    /** One operand on both backends. */
    private record Pair(Storage cpu, Storage dev) {
        static Pair of(float[] v) {
            return new Pair(CPU.upload(v), CudaConformanceTest.gpu.upload(v));
        }

        static Pair ofInts(int[] v, DType t) {
            return new Pair(CPU.upload(v, t), CudaConformanceTest.gpu.upload(v, t));
        }

        static Pair zeros(DType t, int n) {
            return new Pair(CPU.allocate(t, n), CudaConformanceTest.gpu.allocate(t, n));
        }

        Storage on(Backend b) {
            return b == CPU ? cpu : dev;
        }
    }

    private static void close(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.isNaN(e) && Double.isNaN(a)) continue;
            if (e == a) continue;
            if (!(Math.abs(e - a) <= atol + rtol * Math.abs(e))) {
                fail(what + ": element " + i + " cpu " + e + ", cuda " + a + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }

    private static void same(String what, Pair p, int n, double atol, double rtol) {
        if (p.cpu.dtype() == DType.FLOAT32) {
            close(what, CPU.downloadFloats(p.cpu, 0, n), gpu.downloadFloats(p.dev, 0, n), atol, rtol);
        } else {
            assertArrayEquals(CPU.downloadInts(p.cpu, 0, n), gpu.downloadInts(p.dev, 0, n), what);
        }
    }

    private interface Op {
        void run(Backend b);
    }

    private static void both(Op op) {
        op.run(CPU);
        op.run(gpu);
    }

    // ---- memory and elementwise ------------------------------------------------------------------------

    @Test
    void copyStridedAndFillConvertAsTheCpuDoes() {
        float[] v = rand(1, 2 * 3 * 4, -3, 3);
        v[5] = 0f;
        Pair x = Pair.of(v);
        int[] shape = {4, 2, 3};
        int[] permuted = {1, 12, 4};  // a (2, 3, 4) tensor viewed as (4, 2, 3)
        for (DType to : DType.values()) {
            Pair out = Pair.zeros(to, 26);
            both(b -> b.copyStrided(x.on(b), 0, permuted, out.on(b), 2, new int[] {6, 3, 1}, shape));
            same("copyStrided float32 -> " + to, out, 26, 0, 0);
        }
        Pair ints = Pair.ofInts(randInts(2, 24, 5), DType.INT32);
        Pair f = Pair.zeros(DType.FLOAT32, 24);
        both(b -> b.copyStrided(ints.on(b), 0, new int[] {1, 4}, f.on(b), 0, new int[] {6, 1}, new int[] {4, 6}));
        same("copyStrided int32 -> float32 (transposed)", f, 24, 0, 0);
        Pair scalar = Pair.zeros(DType.FLOAT32, 3);
        both(b -> b.copyStrided(x.on(b), 7, new int[0], scalar.on(b), 1, new int[0], new int[0]));
        same("copyStrided rank 0", scalar, 3, 0, 0);
        Pair fill = Pair.zeros(DType.INT32, 100);
        both(b -> b.fill(fill.on(b), 10, 50, 3.7f));
        same("fill int32", fill, 100, 0, 0);
        Pair fillF = Pair.zeros(DType.FLOAT32, 100_000);
        both(b -> b.fill(fillF.on(b), 1, 99_998, -2.5f));
        same("fill float32", fillF, 100_000, 0, 0);
    }

    @Test
    void everyUnaryOp() {
        int n = 5000;
        float[] any = rand(3, n, -6, 6), positive = rand(4, n, 0.01f, 8);
        for (UnaryOp op : UnaryOp.values()) {
            boolean pos = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW_SCALAR;
            Pair x = Pair.of(pos ? positive : any), y = Pair.zeros(DType.FLOAT32, n + 3);
            float a = op == UnaryOp.POW_SCALAR ? 1.7f : -0.5f, b = 0.75f;
            both(be -> be.unary(op, a, b, x.on(be), 1, y.on(be), 3, n - 1));
            same("unary " + op, y, n + 3, 1e-6, 2e-6);
        }
    }

    @Test
    void everyBinaryOpWithBroadcastingAndMixedDtypes() {
        int[] shape = {3, 4, 5};
        float[] av = rand(5, 60, -3, 3), bv = rand(6, 5 * 4, 0.5f, 2);
        av[7] = bv[2];  // a tie for EQ / LE / GE
        Pair a = Pair.of(av), b = Pair.of(bv), bi = Pair.ofInts(randInts(7, 20, 4), DType.INT32);
        int[] as = {20, 5, 1}, bs = {0, 1, 4};  // b is (5, 4) seen transposed and broadcast over dim 0
        for (BinaryOp op : BinaryOp.values()) {
            DType outType = op.isComparison() ? DType.BOOL : DType.FLOAT32;
            Pair out = Pair.zeros(outType, 60);
            both(be -> be.binary(op, shape, a.on(be), 0, as, b.on(be), 0, bs, out.on(be), 0));
            same("binary " + op, out, 60, 1e-6, 2e-6);
            Pair outI = Pair.zeros(outType, 60);
            both(be -> be.binary(op, shape, a.on(be), 0, as, bi.on(be), 0, bs, outI.on(be), 0));
            same("binary " + op + " with an int32 operand", outI, 60, 1e-6, 2e-6);
        }
        Pair cond = Pair.ofInts(randInts(8, 4, 2), DType.BOOL), w = Pair.zeros(DType.FLOAT32, 60);
        both(be -> be.where(shape, cond.on(be), 0, new int[] {0, 1, 0}, a.on(be), 0, as, bi.on(be), 0, bs, w.on(be), 0));
        same("where", w, 60, 0, 0);
    }

    @Test
    void everyReductionAlongRowsAndColumns() {
        float[] v = rand(9, 7 * 300 * 5, -4, 4);
        v[10] = 4f;
        v[15] = 4f;  // a tie: the first index wins
        Pair x = Pair.of(v);
        for (ReduceOp op : ReduceOp.values()) {
            boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
            DType t = arg ? DType.INT32 : DType.FLOAT32;
            double tol = op == ReduceOp.SUM ? 1e-5 : 0;
            Pair rows = Pair.zeros(t, 35);
            both(b -> b.reduce(op, x.on(b), 0, 35, 300, 1, rows.on(b), 0));
            same("reduce " + op + " rows", rows, 35, tol, tol);
            Pair cols = Pair.zeros(t, 7 * 5);
            both(b -> b.reduce(op, x.on(b), 0, 7, 300, 5, cols.on(b), 0));
            same("reduce " + op + " (outer, n, inner)", cols, 35, tol, tol);
        }
        float[] nan = rand(10, 64, -1, 1);
        nan[9] = Float.NaN;
        nan[40] = Float.NaN;
        Pair xn = Pair.of(nan);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.ARGMAX, ReduceOp.ARGMIN}) {
            Pair out = Pair.zeros(op == ReduceOp.MAX ? DType.FLOAT32 : DType.INT32, 1);
            both(b -> b.reduce(op, xn.on(b), 0, 1, 64, 1, out.on(b), 0));
            same("reduce " + op + " with NaN", out, 1, 0, 0);
        }
    }

    // ---- GEMM --------------------------------------------------------------------------------------------

    /** Reference magnitudes sum_q |a_iq b_qj| per output, for a k-aware tolerance. */
    private static float[] magnitudes(boolean ta, boolean tb, int batch, int m, int n, int k, float[] a, int lda, long sa,
                                      float[] b, int ldb, long sb) {
        float[] out = new float[batch * m * n];
        for (int p = 0; p < batch; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) {
                        float x = ta ? a[(int) (p * sa) + q * lda + i] : a[(int) (p * sa) + i * lda + q];
                        float y = tb ? b[(int) (p * sb) + j * ldb + q] : b[(int) (p * sb) + q * ldb + j];
                        s += Math.abs(x * y);
                    }
                    out[(p * m + i) * n + j] = (float) s;
                }
        return out;
    }

    private static void gemmCase(boolean ta, boolean tb, int batch, int m, int n, int k, float alpha, float beta,
                                 boolean tf32, Cublas cublas) {
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        long sa = (long) lda * (ta ? k : m) + 5, sb = (long) ldb * (tb ? n : k), sc = (long) ldc * m + 1;
        float[] av = rand(11 + m, (int) (batch * sa) + 2, -1, 1), bv = rand(12 + n, (int) (batch * sb), -1, 1);
        float[] cv = rand(13 + k, (int) (batch * sc), -1, 1);
        Pair a = Pair.of(av), b = Pair.of(bv), c = Pair.of(cv), c2 = Pair.of(cv);
        gpu.setTf32(tf32);
        try {
            both(be -> be.gemm(ta, tb, batch, m, n, k, alpha, a.on(be), 2, lda, sa, b.on(be), 0, ldb, sb, beta, c.on(be), 1, ldc, sc));
        } finally {
            gpu.setTf32(false);
        }
        float[] av2 = java.util.Arrays.copyOfRange(av, 2, av.length);
        float[] mag = magnitudes(ta, tb, batch, m, n, k, av2, lda, sa, bv, ldb, sb);
        float[] want = CPU.downloadFloats(c.cpu, 0, cv.length), got = gpu.downloadFloats(c.dev, 0, cv.length);
        double rel = tf32 ? 2e-3 : 1e-5;
        String what = "gemm" + (tf32 ? " tf32" : "") + " ta=" + ta + " tb=" + tb + " batch=" + batch + " m=" + m + " n=" + n + " k=" + k;
        checkGemm(what, want, got, mag, batch, m, n, ldc, sc, alpha, beta, cv, rel);
        if (cublas != null) {
            cublas.setTf32(tf32);
            cublas.gemm(ta, tb, batch, m, n, k, alpha, a.dev, 2, lda, sa, b.dev, 0, ldb, sb, beta, c2.dev, 1, ldc, sc);
            cublas.setTf32(false);
            checkGemm("cuBLAS vs CPU, " + what, want, gpu.downloadFloats(c2.dev, 0, cv.length), mag, batch, m, n, ldc, sc, alpha,
                    beta, cv, rel);
        }
    }

    private static void checkGemm(String what, float[] want, float[] got, float[] mag, int batch, int m, int n, int ldc, long sc,
                                  float alpha, float beta, float[] c0, double rel) {
        for (int idx = 0; idx < want.length; idx++) {
            int local = idx - 1;
            int p = (int) (local / sc);
            long r = local - p * sc;
            boolean inside = local >= 0 && p < batch && r < (long) m * ldc && r % ldc < n;
            if (!inside) {
                assertEquals(c0[idx], got[idx], what + ": element " + idx + " outside C was written");
                continue;
            }
            int i = (int) (r / ldc), j = (int) (r % ldc);
            double scale = Math.abs(alpha) * mag[(p * m + i) * n + j] + Math.abs(beta * c0[idx]) + 1e-6;
            if (!(Math.abs(want[idx] - got[idx]) <= rel * scale)) {
                fail(what + ": C[" + p + "][" + i + "][" + j + "] cpu " + want[idx] + ", cuda " + got[idx] + " (scale " + scale + ")");
            }
        }
    }

    @Test
    void gemmAllTransposesOddSizesBatchesAlphaBetaAgainstCpuAndCublas() {
        String why = Device.cudaAvailable() ? Cublas.unavailableReason() : "the CUDA emulator has no cuBLAS";
        if (why != null) System.out.println("[cuda] cuBLAS comparison skipped: " + why);
        try (Cublas cublas = why == null ? new Cublas(gpu) : null) {
            int[][] sizes = {{1, 1, 1}, {5, 7, 3}, {129, 131, 17}, {64, 256, 128}, {200, 33, 513}};
            for (int[] s : sizes) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                    gemmCase(ta, tb, 1, s[0], s[1], s[2], 1f, 0f, false, cublas);
                    gemmCase(ta, tb, 3, s[0], s[1], s[2], 0.5f, -1.25f, false, cublas);
                    gemmCase(ta, tb, 2, s[0], s[1], s[2], 1f, 0.5f, true, cublas);
                }
            }
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNanInC() {
        float[] nan = new float[16];
        java.util.Arrays.fill(nan, Float.NaN);
        Pair a = Pair.of(rand(14, 16, -1, 1)), b = Pair.of(rand(15, 16, -1, 1)), c = Pair.of(nan);
        both(be -> be.gemm(false, false, 1, 4, 4, 4, 1f, a.on(be), 0, 4, 16, b.on(be), 0, 4, 16, 0f, c.on(be), 0, 4, 16));
        same("gemm beta=0 over NaN", c, 16, 1e-6, 1e-5);
    }

    // ---- fused row kernels ---------------------------------------------------------------------------------

    @Test
    void softmaxAndLogSoftmaxForwardBackward() {
        for (int inner : new int[] {1, 6}) {
            for (boolean log : new boolean[] {false, true}) {
                int outer = 9, n = 333, size = outer * n * inner;
                Pair x = Pair.of(rand(16, size + 4, -10, 10)), y = Pair.zeros(DType.FLOAT32, size + 2);
                both(b -> b.softmax(log, x.on(b), 4, outer, n, inner, y.on(b), 2));
                same("softmax log=" + log + " inner=" + inner, y, size + 2, 1e-6, 1e-5);
                Pair yd = Pair.zeros(DType.FLOAT32, size);
                both(b -> b.softmax(log, x.on(b), 4, outer, n, inner, yd.on(b), 0));
                Pair gy = Pair.of(rand(17, size, -1, 1)), gx = Pair.zeros(DType.FLOAT32, size);
                both(b -> b.softmaxBackward(log, yd.on(b), gy.on(b), outer, n, inner, gx.on(b)));
                same("softmaxBackward log=" + log + " inner=" + inner, gx, size, 1e-5, 1e-4);
            }
        }
    }

    @Test
    void biasActivationForwardBackward() {
        int rows = 70, cols = 37;
        Pair x = Pair.of(rand(60, rows * cols, -4, 4)), bias = Pair.of(rand(61, cols, -1, 1));
        Pair gy = Pair.of(rand(62, rows * cols, -1, 1));
        for (UnaryOp act : new UnaryOp[] {UnaryOp.RELU, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.TANH, UnaryOp.SIGMOID}) {
            Pair y = Pair.zeros(DType.FLOAT32, rows * cols), gx = Pair.zeros(DType.FLOAT32, rows * cols);
            Pair gb = Pair.zeros(DType.FLOAT32, cols);
            both(b -> b.biasActivation(act, x.on(b), bias.on(b), rows, cols, y.on(b)));
            same("biasActivation " + act, y, rows * cols, 2e-6, 2e-6);
            both(b -> b.biasActivationBackward(act, x.on(b), bias.on(b), gy.on(b), rows, cols, gx.on(b), gb.on(b)));
            same("biasActivationBackward gx " + act, gx, rows * cols, 1e-5, 1e-5);
            same("biasActivationBackward gBias " + act, gb, cols, 1e-5, 1e-5);
        }
    }

    @Test
    void layerNormForwardBackward() {
        int rows = 37, cols = 300;
        for (boolean affine : new boolean[] {true, false}) {
            Pair x = Pair.of(rand(18, rows * cols, -2, 3)), g = affine ? Pair.of(rand(19, cols, 0.5f, 1.5f)) : null;
            Pair bt = affine ? Pair.of(rand(20, cols, -1, 1)) : null;
            Pair y = Pair.zeros(DType.FLOAT32, rows * cols), mean = Pair.zeros(DType.FLOAT32, rows), rstd = Pair.zeros(DType.FLOAT32, rows);
            both(b -> b.layerNorm(x.on(b), g == null ? null : g.on(b), bt == null ? null : bt.on(b), rows, cols, 1e-5f,
                    y.on(b), mean.on(b), rstd.on(b)));
            same("layerNorm y", y, rows * cols, 1e-5, 1e-5);
            same("layerNorm mean", mean, rows, 1e-5, 1e-5);
            same("layerNorm rstd", rstd, rows, 1e-5, 1e-5);
            Pair gy = Pair.of(rand(21, rows * cols, -1, 1)), gx = Pair.zeros(DType.FLOAT32, rows * cols);
            Pair gg = affine ? Pair.zeros(DType.FLOAT32, cols) : null, gb = affine ? Pair.zeros(DType.FLOAT32, cols) : null;
            both(b -> b.layerNormBackward(x.on(b), g == null ? null : g.on(b), mean.on(b), rstd.on(b),
                    gy.on(b), rows, cols, gx.on(b), gg == null ? null : gg.on(b), gb == null ? null : gb.on(b)));
            same("layerNormBackward gx", gx, rows * cols, 1e-5, 1e-4);
            if (affine) {
                same("layerNormBackward gGamma", gg, cols, 1e-5, 1e-4);
                same("layerNormBackward gBeta", gb, cols, 1e-5, 1e-4);
            }
        }
    }

    @Test
    void batchNormStatisticsNormalizeAndBackward() {
        int outer = 6, ch = 11, inner = 70, size = outer * ch * inner;
        Pair x = Pair.of(rand(22, size, -2, 4)), mean = Pair.zeros(DType.FLOAT32, ch), var = Pair.zeros(DType.FLOAT32, ch);
        both(b -> b.channelMoments(x.on(b), outer, ch, inner, mean.on(b), var.on(b)));
        same("channelMoments mean", mean, ch, 1e-5, 1e-5);
        same("channelMoments var", var, ch, 1e-5, 1e-5);
        Pair inv = Pair.of(rand(23, ch, 0.5f, 2)), g = Pair.of(rand(24, ch, 0.5f, 1.5f)), bt = Pair.of(rand(25, ch, -1, 1));
        Pair y = Pair.zeros(DType.FLOAT32, size);
        both(b -> b.channelNormalize(x.on(b), outer, ch, inner, mean.on(b), inv.on(b), g.on(b), bt.on(b), y.on(b)));
        same("channelNormalize", y, size, 1e-5, 1e-5);
        Pair gy = Pair.of(rand(26, size, -1, 1)), gx = Pair.zeros(DType.FLOAT32, size);
        Pair gg = Pair.zeros(DType.FLOAT32, ch), gb = Pair.zeros(DType.FLOAT32, ch);
        both(b -> b.batchNormBackward(x.on(b), gy.on(b), outer, ch, inner, mean.on(b), inv.on(b), g.on(b), gx.on(b), gg.on(b), gb.on(b)));
        same("batchNormBackward gx", gx, size, 1e-5, 1e-4);
        same("batchNormBackward gGamma", gg, ch, 1e-4, 1e-4);
        same("batchNormBackward gBeta", gb, ch, 1e-4, 1e-4);
        Pair fMean = Pair.zeros(DType.FLOAT32, ch), fVar = Pair.zeros(DType.FLOAT32, ch), fInv = Pair.zeros(DType.FLOAT32, ch);
        Pair fy = Pair.zeros(DType.FLOAT32, size);
        both(b -> b.batchNormTraining(x.on(b), outer, ch, inner, 1e-5f, g.on(b), bt.on(b), fMean.on(b), fVar.on(b), fInv.on(b), fy.on(b)));
        same("batchNormTraining mean", fMean, ch, 1e-5, 1e-5);
        same("batchNormTraining var", fVar, ch, 1e-5, 1e-5);
        same("batchNormTraining invStd", fInv, ch, 1e-5, 1e-5);
        same("batchNormTraining y", fy, size, 1e-5, 1e-5);
    }

    // ---- convolution, indexing, random ------------------------------------------------------------------------

    @Test
    void im2colCol2imAndDepthwiseConv() {
        int n = 2, c = 3, h = 9, w = 11, kh = 3, kw = 4, sh = 2, sw = 1, ph = 1, pw = 2, dh = 1, dw = 2;
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int colsSize = n * c * kh * kw * oh * ow;
        Pair x = Pair.of(rand(27, n * c * h * w + 3, -1, 1)), cols = Pair.zeros(DType.FLOAT32, colsSize);
        both(b -> b.im2col(x.on(b), 3, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols.on(b)));
        same("im2col", cols, colsSize, 0, 0);
        Pair back = Pair.of(rand(28, n * c * h * w + 1, -1, 1));
        both(b -> b.col2im(cols.on(b), n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, back.on(b), 1));
        same("col2im", back, n * c * h * w + 1, 1e-6, 1e-5);

        for (int[] cfg : new int[][] {{1, 7, 1}, {2, 3, 2}, {3, 0, 1}}) {
            int stride = cfg[0], pad = cfg[1], dil = cfg[2], l = 50, k = 15, ch = 5, nb = 3;
            int lout = (l + 2 * pad - dil * (k - 1) - 1) / stride + 1;
            Pair xx = Pair.of(rand(29, nb * ch * l, -1, 1)), wt = Pair.of(rand(30, ch * k, -1, 1)), bias = Pair.of(rand(31, ch, -1, 1));
            Pair y = Pair.zeros(DType.FLOAT32, nb * ch * lout);
            both(b -> b.depthwiseConv1d(xx.on(b), wt.on(b), bias.on(b), nb, ch, l, k, stride, pad, dil, lout, y.on(b)));
            String what = "depthwiseConv1d stride " + stride + " pad " + pad + " dil " + dil;
            same(what, y, nb * ch * lout, 1e-5, 1e-5);
            Pair gy = Pair.of(rand(32, nb * ch * lout, -1, 1)), gx = Pair.of(rand(33, nb * ch * l, 5, 6)), gw = Pair.zeros(DType.FLOAT32, ch * k);
            both(b -> b.depthwiseConv1dBackward(xx.on(b), wt.on(b), gy.on(b), nb, ch, l, k, stride, pad, dil, lout, gx.on(b), gw.on(b)));
            same(what + " backward gx (overwritten)", gx, nb * ch * l, 1e-5, 1e-5);
            same(what + " backward gw", gw, ch * k, 1e-5, 1e-4);
        }
    }

    @Test
    void indexingOps() {
        int outer = 4, n = 10, inner = 6, m = 13;
        Pair src = Pair.of(rand(34, outer * n * inner, -1, 1)), srcInt = Pair.ofInts(randInts(35, outer * n * inner, 100), DType.INT32);
        Pair idx = Pair.ofInts(randInts(36, m, n), DType.INT32);  // repeats
        Pair out = Pair.zeros(DType.FLOAT32, outer * m * inner), outInt = Pair.zeros(DType.INT32, outer * m * inner);
        both(b -> b.indexSelect(src.on(b), outer, n, inner, idx.on(b), m, out.on(b)));
        same("indexSelect", out, outer * m * inner, 0, 0);
        both(b -> b.indexSelect(srcInt.on(b), outer, n, inner, idx.on(b), m, outInt.on(b)));
        same("indexSelect int32", outInt, outer * m * inner, 0, 0);
        Pair dst = Pair.of(rand(37, outer * n * inner, -1, 1));
        both(b -> b.indexAdd(out.on(b), outer, m, inner, idx.on(b), dst.on(b), n));
        same("indexAdd", dst, outer * n * inner, 1e-6, 1e-5);
        Pair gidx = Pair.ofInts(randInts(38, outer * m * inner, n), DType.INT32), g = Pair.zeros(DType.FLOAT32, outer * m * inner);
        both(b -> b.gather(src.on(b), outer, n, inner, gidx.on(b), m, g.on(b)));
        same("gather", g, outer * m * inner, 0, 0);
        Pair sdst = Pair.of(rand(39, outer * n * inner, -1, 1));
        both(b -> b.scatterAdd(g.on(b), outer, m, inner, gidx.on(b), sdst.on(b), n));
        same("scatterAdd", sdst, outer * n * inner, 1e-6, 1e-5);
    }

    @Test
    void randomNumbersMatchTheCpuStream() {
        int size = 100_003;
        for (Distribution d : Distribution.values()) {
            Pair out = Pair.zeros(DType.FLOAT32, size + 5);
            float a = d == Distribution.BERNOULLI ? 0.3f : -1.5f, b = 2.5f;
            both(be -> be.random(d, a, b, 12345L, 987_654_321_000L, out.on(be), 5, size));
            double tol = d == Distribution.NORMAL ? 1e-6 : 0;
            same("random " + d, out, size + 5, tol, tol);
        }
    }

    // ---- fused attention ------------------------------------------------------------------------------------

    /** |cuda - reference| <= 1e-4 |reference| + 2e-5 max(1, max |reference|), element by element. */
    private static void closeToReference(String what, float[] reference, float[] actual) {
        double max = 1;
        for (float e : reference) if (Float.isFinite(e)) max = Math.max(max, Math.abs(e));
        close(what, reference, actual, 2e-5 * max, 1e-4);
    }

    /** Key padding of the attention cases: batch 0 loses its first min(32, tk / 2) keys (a whole first
     *  key tile when tk >= 64) and every fifth key, batch 1 every key (fully padded rows), later batches their last 3. */
    private static int[] attentionPadding(int n, int tk) {
        int[] pad = new int[n * tk];
        for (int j = 0; j < tk; j++) {
            pad[j] = j < Math.min(32, tk / 2) || j % 5 == 4 ? 1 : 0;
            if (n > 1) pad[tk + j] = 1;
            for (int b = 2; b < n; b++) pad[b * tk + j] = j >= tk - 3 ? 1 : 0;
        }
        return pad;
    }

    private static void attentionCase(int n, int h, int tq, int tk, int d, boolean withPos, int pBatch, boolean padded,
                                      float dropoutP) {
        String what = "attention n=" + n + " h=" + h + " tq=" + tq + " tk=" + tk + " d=" + d + " pos=" + (withPos ? "pBatch " + pBatch : "none")
                + " padded=" + padded + " p=" + dropoutP;
        long seed = 4242, counter = 1_000_003L;
        float scale = (float) (2 / Math.sqrt(Math.max(d, 1)));
        int qn = n * h * tq * d, kn = n * h * tk * d, pn = pBatch * h * tk * d, rows = n * h * tq;
        long salt = 31L * (n + 7L * h + 13L * tq + 17L * tk + 19L * d);
        float[] qv = rand(salt + 1, qn, -1.5f, 1.5f), kv = rand(salt + 2, kn, -1.5f, 1.5f), vv = rand(salt + 3, kn, -1.5f, 1.5f);
        float[] qpv = withPos ? rand(salt + 4, qn, -1.5f, 1.5f) : null, pv = withPos ? rand(salt + 5, pn, -1.5f, 1.5f) : null;
        int[] pad = padded ? attentionPadding(n, tk) : null;
        var pr = new AttentionReference.Problem(n, h, tq, tk, d, qv, kv, vv, qpv, pv, pBatch, pad, scale, dropoutP, seed, counter);

        Storage q = gpu.upload(qv), k = gpu.upload(kv), v = gpu.upload(vv);
        Storage qp = withPos ? gpu.upload(qpv) : null, p = withPos ? gpu.upload(pv) : null;
        Storage kp = padded ? gpu.upload(pad, DType.BOOL) : null;
        Storage out = gpu.upload(rand(salt + 6, qn, 5, 6)), lse = gpu.upload(rand(salt + 7, rows, 5, 6));  // overwritten
        gpu.attention(q, k, v, qp, p, pBatch, kp, n, h, tq, tk, d, scale, dropoutP, seed, counter, out, lse);
        var ref = AttentionReference.forward(pr);
        closeToReference(what + ": out", ref.out(), gpu.downloadFloats(out, 0, qn));
        closeToReference(what + ": lse", ref.lse(), gpu.downloadFloats(lse, 0, rows));

        float[] gOutV = rand(salt + 8, qn, -1, 1);
        Storage gOut = gpu.upload(gOutV);
        Storage[] grads = new Storage[5];
        float[][] twice = new float[2][];
        for (int run = 0; run < 2; run++) {
            // Gradient buffers start as garbage: the backward overwrites them.
            grads[0] = gpu.upload(rand(salt + 9, qn, 5, 6));
            grads[1] = gpu.upload(rand(salt + 10, kn, 5, 6));
            grads[2] = gpu.upload(rand(salt + 11, kn, 5, 6));
            grads[3] = withPos ? gpu.upload(rand(salt + 12, qn, 5, 6)) : null;
            grads[4] = withPos ? gpu.upload(rand(salt + 13, pn, 5, 6)) : null;
            gpu.attentionBackward(q, k, v, qp, p, pBatch, kp, n, h, tq, tk, d, scale, dropoutP, seed, counter, out, lse, gOut,
                    grads[0], grads[1], grads[2], grads[3], grads[4]);
            float[] all = new float[0];
            for (Storage g : grads) {
                if (g == null) continue;
                float[] x = gpu.downloadFloats(g, 0, g.size());
                float[] joined = java.util.Arrays.copyOf(all, all.length + x.length);
                System.arraycopy(x, 0, joined, all.length, x.length);
                all = joined;
            }
            twice[run] = all;
        }
        assertArrayEquals(twice[0], twice[1], what + ": the backward is deterministic (one writer per gradient element)");
        var g = AttentionReference.backward(pr, gOutV);
        closeToReference(what + ": gq", g.gq(), gpu.downloadFloats(grads[0], 0, qn));
        closeToReference(what + ": gk", g.gk(), gpu.downloadFloats(grads[1], 0, kn));
        closeToReference(what + ": gv", g.gv(), gpu.downloadFloats(grads[2], 0, kn));
        if (withPos) {
            closeToReference(what + ": gqPos", g.gqPos(), gpu.downloadFloats(grads[3], 0, qn));
            closeToReference(what + ": gPos", g.gPos(), gpu.downloadFloats(grads[4], 0, pn));
        }
    }

    @Test
    void fusedAttentionForwardBackwardAgainstTheReferenceLoop() {
        // {n, h, tq, tk, d}: tiny; the shapes that matter (d 64 and 40, partial tiles everywhere); the largest d;
        // no keys at all (fully padded rows without a mask); no query rows (gk, gv, gPos still overwritten with 0).
        int[][] shapes = {{2, 2, 5, 7, 3}, {2, 4, 70, 130, 64}, {3, 2, 20, 45, 40}, {1, 3, 33, 50, 128}, {2, 2, 3, 0, 5},
            {2, 1, 0, 4, 8}};
        for (int[] s : shapes) {
            int n = s[0];
            for (float p : new float[] {0f, 0.2f}) {
                for (boolean padded : new boolean[] {false, true}) {
                    attentionCase(n, s[1], s[2], s[3], s[4], false, 1, padded, p);
                    attentionCase(n, s[1], s[2], s[3], s[4], true, 1, padded, p);
                    if (n > 1) attentionCase(n, s[1], s[2], s[3], s[4], true, n, padded, p);
                }
            }
        }
    }

    @Test
    void fusedAttentionRefusesHeadsLargerThanTheKernelLimit() {
        int n = 1, h = 1, tq = 2, tk = 3, d = 129;
        Storage q = gpu.allocate(DType.FLOAT32, n * h * tq * d), k = gpu.allocate(DType.FLOAT32, n * h * tk * d);
        Storage out = gpu.allocate(DType.FLOAT32, n * h * tq * d), lse = gpu.allocate(DType.FLOAT32, n * h * tq);
        var e = assertThrows(IllegalArgumentException.class,
                () -> gpu.attention(q, k, k, null, null, 1, null, n, h, tq, tk, d, 1f, 0f, 0L, 0L, out, lse));
        assertEquals("cuda attention: head size d must be at most 128 (the compile-time limit ATT_MAX_D of native/src/attention.cu),"
                + " got d=129", e.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> gpu.attentionBackward(q, k, k, null, null, 1, null, n, h, tq, tk,
                d, 1f, 0f, 0L, 0L, out, lse, q, q, k, k, null, null));
        assertTrue(b.getMessage().startsWith("cuda attentionBackward: head size d must be at most 128"), b.getMessage());
    }

    // ---- LSTM cell and Adam step ------------------------------------------------------------------------------------

    @Test
    void lstmCellForwardBackward() {
        int n = 37, h = 45, states = n * h;  // h is no multiple of a warp or a vector: tails everywhere
        for (boolean withC : new boolean[] {true, false}) {
            Pair gates = Pair.of(rand(60, 4 * states, -4, 4)), c = withC ? Pair.of(rand(61, states, -2, 2)) : null;
            // outputs start as garbage: the kernels overwrite them
            Pair hn = Pair.of(rand(62, states, 5, 6)), cn = Pair.of(rand(63, states, 5, 6));
            Pair acts = Pair.of(rand(64, 4 * states, 5, 6)), tanhC = Pair.of(rand(65, states, 5, 6));
            both(b -> b.lstmCell(gates.on(b), c == null ? null : c.on(b), n, h, hn.on(b), cn.on(b), acts.on(b), tanhC.on(b)));
            String what = "lstmCell" + (withC ? "" : " c=null");
            same(what + " hNext", hn, states, 1e-5, 1e-5);
            same(what + " cNext", cn, states, 1e-5, 1e-5);
            same(what + " acts", acts, 4 * states, 1e-5, 1e-5);
            same(what + " tanhC", tanhC, states, 1e-5, 1e-5);
            for (int grads = 0; grads < 3; grads++) {  // both gradients, only gH, only gC
                Pair gH = grads != 2 ? Pair.of(rand(66, states, -1, 1)) : null, gC = grads != 1 ? Pair.of(rand(67, states, -1, 1)) : null;
                Pair gGates = Pair.of(rand(68, 4 * states, 5, 6)), gPrev = withC ? Pair.of(rand(69, states, 5, 6)) : null;
                both(b -> b.lstmCellBackward(acts.on(b), tanhC.on(b), c == null ? null : c.on(b), gH == null ? null : gH.on(b),
                        gC == null ? null : gC.on(b), n, h, gGates.on(b), gPrev == null ? null : gPrev.on(b)));
                String w = what + (gH == null ? "" : " gH") + (gC == null ? "" : " gC");
                same(w + " backward gGates", gGates, 4 * states, 1e-5, 1e-5);
                if (withC) same(w + " backward gCPrev", gPrev, states, 1e-5, 1e-5);
            }
        }
    }

    @Test
    void adamStepGivesTheCpuBitsInEveryMode() {
        int n = 100_003;
        for (AdamScalars.WeightDecay mode : AdamScalars.WeightDecay.values()) {
            for (boolean amsgrad : new boolean[] {false, true}) {
                String what = "adamStep " + mode + (amsgrad ? " amsgrad" : "");
                Pair p = Pair.of(rand(70, n, -1, 1)), m = Pair.zeros(DType.FLOAT32, n), v = Pair.zeros(DType.FLOAT32, n);
                Pair vmax = amsgrad ? Pair.zeros(DType.FLOAT32, n) : null;
                for (int t = 1; t <= 3; t++) {
                    Pair g = Pair.of(rand(70 + t, n, -1, 1));
                    AdamScalars s = AdamScalars.of(1e-3 * t, 0.9, 0.999, 1e-8, mode == AdamScalars.WeightDecay.NONE ? 0 : 0.01,
                            mode == AdamScalars.WeightDecay.DECOUPLED, t);
                    both(b -> b.adamStep(p.on(b), g.on(b), m.on(b), v.on(b), vmax == null ? null : vmax.on(b), n, s));
                    same(what + " step " + t + " param", p, n, 0, 0);
                    same(what + " step " + t + " exp_avg", m, n, 0, 0);
                    same(what + " step " + t + " exp_avg_sq", v, n, 0, 0);
                    if (amsgrad) same(what + " step " + t + " max_exp_avg_sq", vmax, n, 0, 0);
                }
            }
        }
    }

    // ---- tensor ops, forward and backward, through autograd -------------------------------------------------------

    /** Runs f on CPU inputs and on their CUDA copies; compares the outputs and every input gradient. */
    private static void forwardBackward(String what, Function<Tensor[], Tensor> f, Tensor... cpuInputs) {
        Tensor[] gpuInputs = new Tensor[cpuInputs.length];
        for (int i = 0; i < cpuInputs.length; i++) {
            Tensor t = cpuInputs[i];
            gpuInputs[i] = t.dtype() == DType.FLOAT32 ? t.detach().to(cuda).requiresGrad(true) : t.to(cuda);
            if (t.dtype() == DType.FLOAT32) t.requiresGrad(true);
        }
        Tensor yc = f.apply(cpuInputs), yg = f.apply(gpuInputs);
        assertTrue(yg.device() == cuda, what + ": output on " + yg.device());
        close(what + " forward", yc.toFloatArray(), yg.toFloatArray(), 1e-5, 1e-4);
        Tensor seed = new Generator(99).randn(yc.shape());
        yc.backward(seed);
        yg.backward(seed.to(cuda));
        for (int i = 0; i < cpuInputs.length; i++) {
            if (cpuInputs[i].dtype() != DType.FLOAT32) continue;
            assertEquals(cuda, gpuInputs[i].grad().device(), what + ": gradient of input " + i + " device");
            close(what + " gradient of input " + i, cpuInputs[i].grad().toFloatArray(), gpuInputs[i].grad().toFloatArray(), 1e-5, 1e-4);
        }
    }

    private static Tensor r(long seed, int... shape) {
        return new Generator(seed).randn(shape);
    }

    @Test
    void tensorOpsForwardAndBackward() {
        forwardBackward("elementwise chain", t -> t[0].exp().add(t[1].sigmoid()).mul(t[0].tanh()).div(t[1].abs().add(1f))
                .sub(t[0].relu().pow(2f)).add(t[1].silu()).add(t[0].gelu()).clamp(-3f, 3f), r(1, 4, 5), r(2, 4, 5));
        forwardBackward("broadcast binary, maximum, pow", t -> t[0].maximum(t[1]).add(t[0].minimum(t[1]))
                .add(t[0].abs().add(0.5f).pow(t[1].sigmoid())), r(3, 3, 1, 5), r(4, 4, 1));
        forwardBackward("log, sqrt, rsqrt", t -> t[0].abs().add(0.1f).log().add(t[0].abs().add(0.2f).sqrt())
                .add(t[0].abs().add(0.3f).rsqrt()), r(5, 6, 7));
        forwardBackward("where/maskedFill", t -> Tensor.where(t[0].gt(t[1]), t[0], t[1].mul(2f)).maskedFill(t[0].lt(-1f), 0.5f),
                r(6, 3, 4), r(7, 3, 4));
        forwardBackward("reductions", t -> t[0].sum(1, true).mul(t[0].mean(new int[] {0, 2}, true)).add(t[0].var(2, true, true))
                .add(t[0].max(2, true)).sub(t[0].min(0, true)), r(8, 3, 4, 5));
        forwardBackward("matmul batched/broadcast/transposed", t -> t[0].matmul(t[1].transpose(-1, -2)).matmul(t[2]),
                r(9, 2, 3, 17, 33), r(10, 3, 19, 33), r(11, 19, 7));
        forwardBackward("views: permute, narrow, cat, stack, pad, flip, contiguous", t -> Tensor.cat(1,
                        t[0].permute(0, 2, 1).narrow(1, 1, 3), Tensor.stack(1, t[1], t[1].flip(1)).reshape(2, -1, 3).narrow(1, 0, 2))
                .pad(new int[] {1, 2, 0, 1}, 0.25f).contiguous(), r(12, 2, 3, 5), r(13, 2, 3));
        forwardBackward("softmax / logSoftmax", t -> F.softmax(t[0], 1).add(F.logSoftmax(t[0], -1)), r(14, 3, 40, 50));
        forwardBackward("layerNorm", t -> F.layerNorm(t[0], new int[] {64}, t[1], t[2], 1e-5f), r(15, 5, 7, 64), r(16, 64), r(17, 64));
        forwardBackward("batchNorm training", t -> F.batchNorm(t[0], null, null, t[1], t[2], true, 0.1f, 1e-5f),
                r(18, 4, 6, 30), r(19, 6), r(20, 6));
        forwardBackward("conv1d depthwise", t -> F.conv1d(t[0], t[1], t[2], 1, 7, 1, 8), r(21, 2, 8, 40), r(22, 8, 1, 15), r(23, 8));
        forwardBackward("conv1d grouped (im2col)", t -> F.conv1d(t[0], t[1], t[2], 2, 1, 1, 2), r(24, 2, 4, 21), r(25, 6, 2, 3), r(26, 6));
        forwardBackward("conv2d", t -> F.conv2d(t[0], t[1], t[2], new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1),
                r(27, 2, 3, 13, 11), r(28, 5, 3, 3, 3), r(29, 5));
        Tensor idx = Tensor.ofInts(new int[] {2, 0, 2, 1}, 4);
        forwardBackward("indexSelect/embedding", t -> F.embedding(t[1].reshape(2, 2), t[0]).sum(0, false), r(30, 3, 5), idx);
        Tensor gidx = Tensor.ofInts(new int[] {0, 2, 1, 1, 0, 2}, 2, 3);
        forwardBackward("gather/scatterAdd",
                t -> t[0].gather(1, t[2]).sum(1, true).add(t[1].scatterAdd(1, t[2], t[0].narrow(1, 0, 3))),
                r(31, 2, 4), r(32, 2, 4), gidx);
        Tensor target = Tensor.ofInts(new int[] {1, 4, -100, 0, 2}, 5);
        forwardBackward("crossEntropy with smoothing and ignore_index",
                t -> F.crossEntropy(t[0], t[1], -100, 0.1f, F.Reduction.MEAN), r(33, 5, 6), target);
        Tensor pad = Tensor.ofBools(new boolean[] {false, false, true, false, false, false, true, true}, 2, 4);
        forwardBackward("lstmCell", t -> {
            F.LstmState st = F.lstmCell(t[0], t[1]);
            return Tensor.cat(1, st.h(), st.c());
        }, r(39, 6, 4 * 9), r(40, 6, 9));
        forwardBackward("lstmCell from the zero state, only h", t -> F.lstmCell(t[0], null).h(), r(41, 6, 4 * 9));
        forwardBackward("attention with rel-pos term and key padding",
                t -> F.attention(t[0], t[1], t[2], t[3], t[4], t[5], 0.25f, 0f, null),
                r(34, 2, 2, 3, 8), r(35, 2, 2, 4, 8), r(36, 2, 2, 4, 8), r(37, 2, 2, 3, 8), r(38, 1, 2, 4, 8), pad);
    }

    @Test
    void dropoutMaskIsTheSameOnBothDevices() {
        Tensor x = Tensor.ones(1000);
        Tensor cpu = F.dropout(x, 0.3f, true, new Generator(7));
        Tensor gpuOut = F.dropout(x.to(cuda), 0.3f, true, new Generator(7));
        assertArrayEquals(cpu.toFloatArray(), gpuOut.toFloatArray());
    }

    @Test
    void mixingDevicesNamesBoth() {
        Tensor a = Tensor.ones(3), b = Tensor.ones(3).to(cuda);
        var e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertEquals("add: tensors must be on one device, got cpu and " + cuda, e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> F.layerNorm(b, new int[] {3}, Tensor.ones(3), null, 1e-5f));
        assertTrue(m.getMessage().contains(cuda.toString()) && m.getMessage().contains("cpu"), m.getMessage());
        assertTrue((Device.cudaAvailable() ? Device.cuda(0) : Device.cudaEmulator()) == cuda, "one Device object per device");
    }
}
