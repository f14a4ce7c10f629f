package dev.attune.kernels.cpu;

import dev.attune.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision batched matrix multiply on the CPU:
 * {@code C_p = alpha * op(A_p) op(B_p) + beta * C_p} for {@code p < batch}, row-major, with
 * {@code op(A_p)} (m, k), {@code op(B_p)} (k, n), {@code C_p} (m, n) (see {@code Backend.gemm}).
 *
 * <p>Blocking (GotoBLAS/BLIS style): B is packed once per call into slivers of {@code NR}
 * columns, {@code KC} deep, so a (KC x NR) sliver fits in the L1 cache; each thread packs its
 * (MC x KC) block of A into slivers of {@code MR} rows, which stays in L2, and streams the B
 * slivers (from L2/L3) through an MR x NR register-blocked FMA micro-kernel whose 2*MR vector
 * accumulators are local variables. Packing turns all four transpose cases into one kernel and
 * zero-pads the edges. {@code NR} is two vectors of the preferred species (16 floats on AVX2,
 * 32 on AVX-512). Work is split statically over (batch, row block, column block) tasks, so each
 * C element is computed by one thread with a fixed summation order (k in KC blocks, in order):
 * results are bit-identical run to run, and independent of the thread count. Small products
 * take a plain loop without packing.
 */
public final class CpuGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_256;
    private static final int VL = S.length();
    /** Micro-tile: MR rows by NR = 2 vectors of columns. */
    static final int MR = 6;
    static final int NR = 2 * VL;
    /** Depth of a packed block: a KC x NR sliver of B is 16 KiB (AVX2) or 32 KiB (AVX-512). */
    static final int KC = 256;
    /** Largest row block: an MC x KC block of packed A is 192 KiB. */
    static final int MC_MAX = 32 * MR;
    /** Bound on the packed B of one parallel step (floats): 16 MiB. */
    private static final int B_PANEL_LIMIT = 4 << 20;
    /** Below this many multiply-adds per matrix, no packing. */
    private static final long SMALL = 32 * 1024;

    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[MR * NR], new float[0]});

    private CpuGemm() {}

    public static void sgemm(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, long strideA,
                             float[] b, int bOffset, int ldb, long strideB, float beta,
                             float[] c, int cOffset, int ldc, long strideC) {
        check(transA, transB, batch, m, n, k, a, aOffset, lda, strideA, b, bOffset, ldb, strideB, c, cOffset, ldc, strideC);
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scaleC(batch, m, n, beta, c, cOffset, ldc, strideC);
            return;
        }
        long mnk = (long) m * n * k;
        if (mnk < SMALL) {
            int minChunk = (int) Math.max(1, (64 * 1024) / mnk);
            Parallel.forRange(batch, minChunk, (p0, p1) -> {
                for (int p = p0; p < p1; p++)
                    small(transA, transB, m, n, k, alpha, a, (int) (aOffset + p * strideA), lda,
                            b, (int) (bOffset + p * strideB), ldb, beta, c, (int) (cOffset + p * strideC), ldc);
            });
            return;
        }
        blocked(transA, transB, batch, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB,
                beta, c, cOffset, ldc, strideC);
    }

    // ---- blocked path ----------------------------------------------------------------------------

    private static void blocked(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
                                float[] a, int aOffset, int lda, long strideA,
                                float[] b, int bOffset, int ldb, long strideB, float beta,
                                float[] c, int cOffset, int ldc, long strideC) {
        int threads = Parallel.threads();
        // Column chunk: the whole of n unless one batch's packed B would exceed the limit.
        int nSlivers = (n + NR - 1) / NR;
        int chunkSlivers = (int) Math.max(1, Math.min(nSlivers, B_PANEL_LIMIT / ((long) k * NR)));
        int chunkFloats = chunkSlivers * NR * k;
        boolean sharedB = strideB == 0;
        int group = sharedB ? batch : Math.max(1, Math.min(batch, B_PANEL_LIMIT / chunkFloats));

        int mSlivers = (m + MR - 1) / MR;
        int rowBlocks = (m + MC_MAX - 1) / MC_MAX;
        for (int p0 = 0; p0 < batch; p0 += group) {
            int g = Math.min(group, batch - p0);
            for (int js0 = 0; js0 < nSlivers; js0 += chunkSlivers) {
                int js = Math.min(chunkSlivers, nSlivers - js0);
                int j0 = js0 * NR, nc = Math.min(n - j0, js * NR);
                // Work split: enough tasks for every thread, and a multiple of the thread count when few.
                int rb = rowBlocks;
                if (g * rb < 4 * threads && (g * rb) % threads != 0) {
                    int want = ((g * rb + threads - 1) / threads) * threads;
                    rb = Math.min(mSlivers, (want + g - 1) / g);
                }
                int mc = ((m + rb - 1) / rb + MR - 1) / MR * MR;
                rb = (m + mc - 1) / mc;
                int cb = 1;
                if (g * rb < threads) cb = Math.min(js, (threads + g * rb - 1) / (g * rb));
                int colBlocks = cb, rowBlocksF = rb, mcF = mc;

                int bBatches = sharedB ? 1 : g;
                float[][] bufs = BUFFERS.get();
                float[] bp = bufs[2];
                int need = bBatches * js * NR * k;
                if (bp.length < need) bufs[2] = bp = new float[need];
                float[] bpF = bp;
                int pFirst = p0;
                // 1. pack B for this group and column chunk, sliver by sliver
                int units = bBatches * js;
                Parallel.forRange(units, Math.max(1, 16384 / (k * NR)), (u0, u1) -> {
                    for (int u = u0; u < u1; u++) {
                        int q = u / js, t = u % js;
                        int bBase = (int) (bOffset + (pFirst + q) * strideB);
                        packBSliver(transB, b, bBase, ldb, k, j0 + t * NR, Math.min(NR, n - j0 - t * NR),
                                bpF, q * js * NR * k, js, t);
                    }
                });
                // 2. compute C tiles
                int tasks = g * rowBlocksF * colBlocks;
                Parallel.forRange(tasks, 1, (t0, t1) -> {
                    for (int task = t0; task < t1; task++) {
                        int q = task / (rowBlocksF * colBlocks);
                        int rem = task % (rowBlocksF * colBlocks);
                        int r = rem / colBlocks, cbi = rem % colBlocks;
                        int i0 = r * mcF, mRows = Math.min(mcF, m - i0);
                        int s0 = (int) ((long) js * cbi / colBlocks), s1 = (int) ((long) js * (cbi + 1) / colBlocks);
                        int p = pFirst + q;
                        computeBlock(transA, m, n, k, alpha, a, (int) (aOffset + p * strideA), lda, i0, mRows,
                                bpF, (sharedB ? 0 : q) * js * NR * k, js, j0, s0, s1, nc,
                                beta, c, (int) (cOffset + p * strideC), ldc);
                    }
                });
            }
        }
    }

    /**
     * One task: rows [i0, i0+mRows) of C, column slivers [s0, s1) of the packed chunk starting at
     * column j0 (nc columns wide), over all of k.
     */
    private static void computeBlock(boolean transA, int m, int n, int k, float alpha,
                                     float[] a, int aBase, int lda, int i0, int mRows,
                                     float[] bp, int bBase, int js, int j0, int s0, int s1, int nc,
                                     float beta, float[] c, int cBase, int ldc) {
        float[][] bufs = BUFFERS.get();
        int rowSlivers = (mRows + MR - 1) / MR;
        int needA = rowSlivers * MR * Math.min(KC, k);
        float[] ap = bufs[0];
        if (ap.length < needA) bufs[0] = ap = new float[Math.max(needA, MC_MAX * KC)];
        float[] tmp = bufs[1];
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean first = pc == 0;
            packA(transA, a, aBase, lda, i0, mRows, pc, kc, ap);
            int blockBase = bBase + pc * js * NR;
            for (int t = s0; t < s1; t++) {
                int bi = blockBase + t * kc * NR;
                int jj = j0 + t * NR;
                int cols = Math.min(NR, nc - t * NR);
                for (int s = 0; s < rowSlivers; s++) {
                    int ii = i0 + s * MR;
                    int rows = Math.min(MR, mRows - s * MR);
                    int ai = s * MR * kc;
                    if (rows == MR && cols == NR) {
                        kernel(kc, ap, ai, bp, bi, c, cBase + ii * ldc + jj, ldc, alpha, beta, first);
                    } else {
                        kernel(kc, ap, ai, bp, bi, tmp, 0, NR, 1f, 0f, true);
                        for (int i = 0; i < rows; i++) {
                            int co = cBase + (ii + i) * ldc + jj;
                            for (int j = 0; j < cols; j++) {
                                float acc = tmp[i * NR + j];
                                float old = first ? (beta == 0f ? 0f : beta * c[co + j]) : c[co + j];
                                c[co + j] = first && beta == 0f ? alpha * acc : Math.fma(alpha, acc, old);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The micro-kernel: an MR x NR tile of {@code alpha * A B} over depth kc, from packed slivers,
     * combined into C: when {@code first}, {@code C = alpha*acc + beta*C} (C not read when beta is
     * 0); otherwise {@code C += alpha*acc}.
     */
    private static void kernel(int kc, float[] a, int ai, float[] b, int bi,
                               float[] c, int ci, int ldc, float alpha, float beta, boolean first) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR, ao = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector av = FloatVector.broadcast(S, a[ao]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[ao + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[ao + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[ao + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[ao + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[ao + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        store(c, ci, c00, c01, alpha, beta, first);
        store(c, ci + ldc, c10, c11, alpha, beta, first);
        store(c, ci + 2 * ldc, c20, c21, alpha, beta, first);
        store(c, ci + 3 * ldc, c30, c31, alpha, beta, first);
        store(c, ci + 4 * ldc, c40, c41, alpha, beta, first);
        store(c, ci + 5 * ldc, c50, c51, alpha, beta, first);
    }

    private static void store(float[] c, int ci, FloatVector v0, FloatVector v1, float alpha, float beta, boolean first) {
        if (first && beta == 0f) {
            if (alpha != 1f) {
                v0 = v0.mul(alpha);
                v1 = v1.mul(alpha);
            }
            v0.intoArray(c, ci);
            v1.intoArray(c, ci + VL);
            return;
        }
        FloatVector o0 = FloatVector.fromArray(S, c, ci), o1 = FloatVector.fromArray(S, c, ci + VL);
        if (first && beta != 1f) {
            o0 = o0.mul(beta);
            o1 = o1.mul(beta);
        }
        FloatVector av = FloatVector.broadcast(S, alpha);
        v0.fma(av, o0).intoArray(c, ci);
        v1.fma(av, o1).intoArray(c, ci + VL);
    }

    // ---- packing -----------------------------------------------------------------------------------

    /**
     * Packs rows [i0, i0+rows) and depth [pc, pc+kc) of op(A) into MR-row slivers: element (i, p)
     * of sliver s goes to {@code ap[s*MR*kc + p*MR + i]}; rows past the end are zero.
     */
    private static void packA(boolean transA, float[] a, int base, int lda, int i0, int rows, int pc, int kc, float[] ap) {
        for (int s = 0; s * MR < rows; s++) {
            int dst = s * MR * kc;
            int r = Math.min(MR, rows - s * MR);
            int ii = i0 + s * MR;
            if (!transA) {
                for (int i = 0; i < r; i++) {
                    int src = base + (ii + i) * lda + pc;
                    for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = a[src + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = base + (pc + p) * lda + ii;
                    int d = dst + p * MR;
                    for (int i = 0; i < r; i++) ap[d + i] = a[src + i];
                }
            }
            if (r < MR) {
                for (int p = 0; p < kc; p++)
                    for (int i = r; i < MR; i++) ap[dst + p * MR + i] = 0f;
            }
        }
    }

    /**
     * Packs column sliver t (columns [j, j+cols) of op(B)) over all of k: for the depth block starting
     * at pc (kc deep), element (p, jj) goes to {@code bp[base + pc*js*NR + t*kc*NR + p*NR + jj]};
     * columns past the end are zero.
     */
    private static void packBSliver(boolean transB, float[] b, int bBase, int ldb, int k, int j, int cols,
                                    float[] bp, int base, int js, int t) {
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            int dst = base + pc * js * NR + t * kc * NR;
            if (!transB) {
                if (cols == NR) {
                    for (int p = 0; p < kc; p++) {
                        int src = bBase + (pc + p) * ldb + j;
                        FloatVector.fromArray(S, b, src).intoArray(bp, dst + p * NR);
                        FloatVector.fromArray(S, b, src + VL).intoArray(bp, dst + p * NR + VL);
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int src = bBase + (pc + p) * ldb + j;
                        int d = dst + p * NR;
                        for (int jj = 0; jj < cols; jj++) bp[d + jj] = b[src + jj];
                        for (int jj = cols; jj < NR; jj++) bp[d + jj] = 0f;
                    }
                }
            } else {
                for (int jj = 0; jj < cols; jj++) {
                    int src = bBase + (j + jj) * ldb + pc;
                    for (int p = 0; p < kc; p++) bp[dst + p * NR + jj] = b[src + p];
                }
                if (cols < NR) {
                    for (int p = 0; p < kc; p++)
                        for (int jj = cols; jj < NR; jj++) bp[dst + p * NR + jj] = 0f;
                }
            }
        }
    }

    // ---- small and degenerate cases ------------------------------------------------------------------

    /** Plain loops for small products; sums over k in order. */
    private static void small(boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float[] a, int aBase, int lda, float[] b, int bBase, int ldb,
                              float beta, float[] c, int cBase, int ldc) {
        int aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        int bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            int co = cBase + i * ldc;
            for (int j = 0; j < n; j++) {
                int ai = aBase + i * aRow, bi = bBase + j * bCol;
                float acc = 0f;
                for (int p = 0; p < k; p++) acc = Math.fma(a[ai + p * aCol], b[bi + p * bRow], acc);
                c[co + j] = beta == 0f ? alpha * acc : Math.fma(alpha, acc, beta * c[co + j]);
            }
        }
    }

    private static void scaleC(int batch, int m, int n, float beta, float[] c, int cOffset, int ldc, long strideC) {
        if (beta == 1f) return;
        for (int p = 0; p < batch; p++) {
            int base = (int) (cOffset + p * strideC);
            for (int i = 0; i < m; i++) {
                int o = base + i * ldc;
                for (int j = 0; j < n; j++) c[o + j] = beta == 0f ? 0f : beta * c[o + j];
            }
        }
    }

    private static void check(boolean transA, boolean transB, int batch, int m, int n, int k,
                              float[] a, int aOffset, int lda, long strideA,
                              float[] b, int bOffset, int ldb, long strideB,
                              float[] c, int cOffset, int ldc, long strideC) {
        if (batch < 0 || m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("sgemm: sizes must be >= 0, got batch=" + batch + " m=" + m
                    + " n=" + n + " k=" + k);
        if (batch == 0 || m == 0 || n == 0) return;
        checkOperand("C", c, cOffset, ldc, strideC, batch, m, n);
        if (k == 0) return;
        checkOperand("A", a, aOffset, lda, strideA, batch, transA ? k : m, transA ? m : k);
        checkOperand("B", b, bOffset, ldb, strideB, batch, transB ? n : k, transB ? k : n);
    }

    private static void checkOperand(String name, float[] x, int offset, int ld, long stride, int batch, int rows, int cols) {
        if (ld < Math.max(1, cols))
            throw new IllegalArgumentException("sgemm: ld" + name.toLowerCase() + " must be >= " + Math.max(1, cols)
                    + " (stored rows of " + cols + "), got " + ld);
        if (offset < 0 || stride < 0)
            throw new IllegalArgumentException("sgemm: " + name + " offset and batch stride must be >= 0, got "
                    + offset + " and " + stride);
        long end = offset + (batch - 1) * stride + (long) (rows - 1) * ld + cols;
        if (end > x.length)
            throw new IllegalArgumentException("sgemm: " + name + " needs " + end + " elements (" + batch + " x ("
                    + rows + " x " + cols + "), ld " + ld + ", offset " + offset + ", stride " + stride
                    + "), array has " + x.length);
    }
}
