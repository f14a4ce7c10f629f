package dev.attune.kernels.cpu;

import dev.attune.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision batched matrix multiply on the CPU:
 * {@code C_p = alpha * op(A_p) op(B_p) + beta * C_p} for {@code p < batch}, row-major, with
 * {@code op(A_p)} (m, k), {@code op(B_p)} (k, n), {@code C_p} (m, n) (see {@code Backend.gemm}).
 * As in BLAS, beta == 0 never reads C, and alpha == 0 or k == 0 only scales C.
 *
 * <p>Blocking (GotoBLAS/BLIS): op(B) is packed into slivers of NR columns, KC = 256 deep; each
 * task packs its rows of op(A) (at most MC = 384) into slivers of MR rows for each KC block.
 * An MR x NR micro-kernel keeps its 2*MR vector accumulators in local variables and does one
 * FMA per (row, vector) per depth step. MR x NR is 12 x 32 with AVX-512 and 6 x 16 with AVX2
 * (NR = two vectors of the preferred species; 24 or 12 accumulators fit the 32 or 16 vector
 * registers). Sizes: a KC x NR sliver of B (32 or 16 KiB) stays in L1 while A slivers stream
 * over it; the MC x KC block of A (384 KiB) stays in L2. B is packed once up front when several
 * tasks share it (packed B at most 16 MiB per step, from L2/L3), else by each task one sliver at
 * a time just before use. Packing makes all four transpose cases one kernel: vector copies where
 * rows are contiguous, gathers where they are not (scalar packing cost as much as the kernels
 * at N = 80). With transA and few column slivers, A is read in place. Leftover rows use 4- and
 * 1-row kernels, a right edge narrower than NR goes through a scratch tile and masked stores.
 *
 * <p>Threads: static tasks over (batch, row range, column range), as many as make the count a
 * multiple of the thread count. Each C element is computed by one thread in a fixed order
 * (KC blocks in order, k ascending within) that does not depend on the partition, so results
 * are bit-identical run to run and across thread counts.
 * Products under 32k multiply-adds take a plain loop without packing.
 */
public final class CpuGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Micro-tile: MR rows by NR = 2 vectors of columns (12 x 32 with AVX-512, 6 x 16 with AVX2). */
    static final int MR = VL >= 16 ? 12 : 6;
    static final int NR = 2 * VL;
    /** Depth of a packed block: a KC x NR sliver of B is 16 KiB (AVX2) or 32 KiB (AVX-512). */
    static final int KC = 256;
    /** Largest row block: an MC x KC block of packed A is 384 KiB (L2 is 1-2 MiB per core). */
    static final int MC_MAX = 384;
    /** With transA, at most this many column slivers per task read A in place instead of packing it. */
    private static final int IN_PLACE_A_MAX_SLIVERS = 4;
    /** Bound on the packed B of one parallel step (floats): 16 MiB. */
    private static final int B_PANEL_LIMIT = 4 << 20;
    /** Below this many multiply-adds per matrix, no packing. */
    private static final long SMALL = 32 * 1024;

    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[MR * NR], new float[0], new float[0]});

    /** Never equal in practice; only keeps the C-touching loads of the kernels alive. */
    private static final float SENTINEL = 0x1.234568p-127f;
    private static int sink;

    private CpuGemm() {}

    /**
     * For each {@code p < batch}: {@code C_p = alpha * op(A_p) op(B_p) + beta * C_p}, where
     * {@code X_p} starts at {@code xOffset + p * strideX} (a stride of 0 broadcasts), op(A) is
     * (m, k) stored (m, k) with row stride lda, or (k, m) when transA; op(B) is (k, n) stored
     * (k, n) with row stride ldb, or (n, k) when transB; C is (m, n) with row stride ldc. Elements
     * of C outside the m x n windows are not touched.
     *
     * @throws IllegalArgumentException on negative sizes or strides, a leading dimension below
     *         the stored row length, or an operand that does not fit its array
     */
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
        boolean sharedB = strideB == 0;
        int group = sharedB ? batch : Math.max(1, Math.min(batch, B_PANEL_LIMIT / (chunkSlivers * NR * k)));
        int mSlivers = (m + MR - 1) / MR;

        for (int p0 = 0; p0 < batch; p0 += group) {
            int g = Math.min(group, batch - p0);
            for (int js0 = 0; js0 < nSlivers; js0 += chunkSlivers) {
                int js = Math.min(chunkSlivers, nSlivers - js0);
                int j0 = js0 * NR, nc = Math.min(n - j0, js * NR);
                // Work split: (batch, row range, column range) tasks. Row ranges are whole MR-row
                // slivers, at most about MC_MAX rows, and as many as make the task count a multiple
                // of the thread count (static partition: equal tasks give equal work). With too few
                // row blocks and B the larger operand, the columns are split instead: each task then
                // reads all of A but only its own columns of B.
                int rb = Math.max(1, (m + MC_MAX - 1) / MC_MAX);
                boolean splitColumns = g * rb < threads && n >= m && js > 1;
                if (!splitColumns)
                    while ((g * rb) % threads != 0 && rb < mSlivers) rb++;
                int cb = g * rb >= threads ? 1 : Math.min(js, (threads + g * rb - 1) / (g * rb));
                int rowBlocks = rb, colBlocks = cb, pFirst = p0;
                int bBatchFloats = js * NR * k;
                // When no two tasks share a (batch, column) range, each task packs its B slivers one
                // depth block at a time, just before use, so they come to the kernels from L1. Else B
                // is packed once, up front, for all tasks.
                boolean packBInline = rb == 1 && (!sharedB || g == 1);
                float[] shared = null;
                if (!packBInline) {
                    int bBatches = sharedB ? 1 : g;
                    float[][] bufs = BUFFERS.get();
                    if (bufs[2].length < bBatches * bBatchFloats) bufs[2] = new float[bBatches * bBatchFloats];
                    float[] bp = shared = bufs[2];
                    Parallel.forRange(bBatches * js, Math.max(1, 16384 / (k * NR)), (u0, u1) -> {
                        for (int u = u0; u < u1; u++) {
                            int q = u / js, t = u % js;
                            int src = (int) (bOffset + (pFirst + q) * strideB), cols = Math.min(NR, nc - t * NR);
                            for (int pc = 0; pc < k; pc += KC) {
                                int kc = Math.min(KC, k - pc);
                                packB(transB, b, src, ldb, pc, kc, j0 + t * NR, cols, bp, q * bBatchFloats + pc * js * NR + t * kc * NR);
                            }
                        }
                    });
                }
                float[] sharedBp = shared;
                Parallel.forRange(g * rowBlocks * colBlocks, 1, (t0, t1) -> {
                    for (int task = t0; task < t1; task++) {
                        int q = task / (rowBlocks * colBlocks), rem = task % (rowBlocks * colBlocks);
                        int r = rem / colBlocks, cbi = rem % colBlocks;
                        int i0 = (int) ((long) mSlivers * r / rowBlocks) * MR;
                        int mRows = Math.min(m, (int) ((long) mSlivers * (r + 1) / rowBlocks) * MR) - i0;
                        int s0 = (int) ((long) js * cbi / colBlocks), s1 = (int) ((long) js * (cbi + 1) / colBlocks);
                        int p = pFirst + q;
                        BPanel panel = packBInline
                                ? new BPanel(null, 0, transB, b, (int) (bOffset + p * strideB), ldb)
                                : new BPanel(sharedBp, sharedB ? 0 : q * bBatchFloats, transB, b, 0, 0);
                        computeBlock(transA, k, alpha, a, (int) (aOffset + p * strideA), lda, i0, mRows,
                                panel, js, j0, s0, s1, nc, beta, c, (int) (cOffset + p * strideC), ldc);
                    }
                });
            }
        }
    }

    /**
     * Where a task's B slivers come from: the panel {@code packed} (from {@code base}, laid out as
     * {@link #packB} describes), or, when {@code packed} is null, op(B) itself ({@code b} from
     * {@code src}, row stride ldb), packed one depth block at a time by the task.
     */
    private record BPanel(float[] packed, int base, boolean transB, float[] b, int src, int ldb) {}

    /**
     * One task: rows [i0, i0+mRows) of C, column slivers [s0, s1) of the packed chunk that starts
     * at column j0 (nc columns wide, js slivers), over all of k.
     */
    private static void computeBlock(boolean transA, int k, float alpha, float[] a, int aBase, int lda, int i0, int mRows,
                                     BPanel panel, int js, int j0, int s0, int s1, int nc,
                                     float beta, float[] c, int cBase, int ldc) {
        float[][] bufs = BUFFERS.get();
        int needA = (mRows + MR - 1) / MR * MR * Math.min(KC, k);
        if (bufs[0].length < needA) bufs[0] = new float[Math.max(needA, MC_MAX * KC)];
        if (panel.packed() == null && bufs[3].length < KC * NR) bufs[3] = new float[KC * NR];
        float[] ap = bufs[0], tmp = bufs[1];
        int full = mRows / MR, rest = mRows - full * MR;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            // First depth block: C = alpha*acc + beta*C, where beta == 0 must not read C (BLAS:
            // NaN in C must not leak). Later blocks: C += alpha*acc.
            boolean overwrite = pc == 0 && beta == 0f;
            float be = pc == 0 ? beta : 1f;
            // Slivers of A: with transA the MR rows of a depth step are contiguous in A itself. When
            // each sliver meets only a few B slivers, packing it costs more than it saves, so whole
            // slivers are read in place (step lda) and only a partial last one is packed (measured
            // at N = 80, 3 slivers: about 10 % faster; at 8 slivers packing is faster).
            boolean inPlace = transA && s1 - s0 <= IN_PLACE_A_MAX_SLIVERS;
            float[] as = inPlace ? a : ap;
            int aFirst = inPlace ? aBase + pc * lda + i0 : 0, aStep = inPlace ? lda : MR, sliverStep = inPlace ? MR : MR * kc;
            int restBase = inPlace ? 0 : full * MR * kc;
            if (!inPlace) packA(transA, a, aBase, lda, i0, mRows, pc, kc, ap);
            else if (rest > 0) packA(true, a, aBase, lda, i0 + full * MR, rest, pc, kc, ap);
            for (int t = s0; t < s1; t++) {
                int cj = cBase + j0 + t * NR;
                int cols = Math.min(NR, nc - t * NR);
                float[] bp = panel.packed();
                int bi = panel.base() + pc * js * NR + t * kc * NR;
                if (bp == null) {
                    bp = bufs[3];
                    bi = 0;
                    packB(panel.transB(), panel.b(), panel.src(), panel.ldb(), pc, kc, j0 + t * NR, cols, bp, 0);
                }
                if (cols == NR) {
                    for (int s = 0; s < full; s++)
                        kernel(kc, as, aFirst + s * sliverStep, aStep, bp, bi, c, cj + (i0 + s * MR) * ldc, ldc, alpha, be, overwrite);
                    // leftover rows: 4-row then 1-row kernels over the same packed sliver
                    int ci = cj + (i0 + full * MR) * ldc, i = 0;
                    if (MR > 4)
                        for (; i + 4 <= rest; i += 4)
                            kernel4x2(kc, ap, restBase + i, MR, bp, bi, c, ci + i * ldc, ldc, alpha, be, overwrite);
                    for (; i < rest; i++)
                        kernel1x2(kc, ap, restBase + i, MR, bp, bi, c, ci + i * ldc, ldc, alpha, be, overwrite);
                } else {
                    // right edge: full tiles (one vector wide when that suffices) into a scratch
                    // tile, then the valid part into C
                    for (int s = 0; s * MR < mRows; s++) {
                        float[] src = s < full ? as : ap;
                        int ai = s < full ? aFirst + s * sliverStep : restBase, step = s < full ? aStep : MR;
                        if (cols <= VL) {
                            if (MR == 12) kernel12x1(kc, src, ai, step, bp, bi, tmp, 0, NR);
                            else kernel6x1(kc, src, ai, step, bp, bi, tmp, 0, NR);
                        } else {
                            kernel(kc, src, ai, step, bp, bi, tmp, 0, NR, 1f, 0f, true);
                        }
                        writeEdge(tmp, Math.min(MR, mRows - s * MR), cols, c, cj + (i0 + s * MR) * ldc, ldc,
                                alpha, be, overwrite);
                    }
                }
            }
        }
    }

    /**
     * Combines the first {@code rows} x {@code cols} of the scratch tile {@code tmp} (row stride NR)
     * into C as the micro-kernels do. Whole-vector loads of {@code tmp} (scalar loads of a vector
     * just stored stall store forwarding: this loop was a third of the time at N = 80) and masked
     * stores into C, so nothing right of the edge is touched.
     */
    private static void writeEdge(float[] tmp, int rows, int cols, float[] c, int ci, int ldc,
                                  float alpha, float beta, boolean overwrite) {
        FloatVector av = FloatVector.broadcast(S, alpha), bv = FloatVector.broadcast(S, beta);
        for (int j = 0; j < cols; j += VL) {
            VectorMask<Float> mask = S.indexInRange(j, cols);
            for (int i = 0; i < rows; i++) {
                int co = ci + i * ldc + j;
                FloatVector t = FloatVector.fromArray(S, tmp, i * NR + j);
                if (overwrite) t.mul(av).intoArray(c, co, mask);
                else t.fma(av, FloatVector.fromArray(S, c, co, mask).mul(bv)).intoArray(c, co, mask);
            }
        }
    }

    /**
     * The micro-kernel: an MR x NR tile {@code acc} of {@code A B} over depth kc, from packed
     * slivers (A: MR floats per depth step, B: NR), combined into C as {@code C = alpha*acc} when
     * {@code overwrite}, else {@code C = alpha*acc + beta*C}.
     */
    private static void kernel(int kc, float[] a, int ai, int aStride, float[] b, int bi,
                               float[] c, int ci, int ldc, float alpha, float beta, boolean overwrite) {
        if (MR == 12) kernel12x2(kc, a, ai, aStride, b, bi, c, ci, ldc, alpha, beta, overwrite);
        else if (MR == 6) kernel6x2(kc, a, ai, aStride, b, bi, c, ci, ldc, alpha, beta, overwrite);
        else kernel4x2(kc, a, ai, aStride, b, bi, c, ci, ldc, alpha, beta, overwrite);
    }

    /** 12 rows x NR columns; see {@link #kernel}. */
    private static void kernel12x2(int kc, float[] a, int ai, int aStride, float[] b, int bi,
                                   float[] c, int ci, int ldc, float alpha, float beta, boolean overwrite) {
        FloatVector c000 = FloatVector.zero(S), c001 = FloatVector.zero(S);
        FloatVector c010 = FloatVector.zero(S), c011 = FloatVector.zero(S);
        FloatVector c020 = FloatVector.zero(S), c021 = FloatVector.zero(S);
        FloatVector c030 = FloatVector.zero(S), c031 = FloatVector.zero(S);
        FloatVector c040 = FloatVector.zero(S), c041 = FloatVector.zero(S);
        FloatVector c050 = FloatVector.zero(S), c051 = FloatVector.zero(S);
        FloatVector c060 = FloatVector.zero(S), c061 = FloatVector.zero(S);
        FloatVector c070 = FloatVector.zero(S), c071 = FloatVector.zero(S);
        FloatVector c080 = FloatVector.zero(S), c081 = FloatVector.zero(S);
        FloatVector c090 = FloatVector.zero(S), c091 = FloatVector.zero(S);
        FloatVector c100 = FloatVector.zero(S), c101 = FloatVector.zero(S);
        FloatVector c110 = FloatVector.zero(S), c111 = FloatVector.zero(S);
        // Touch the C tile now, so its cache misses overlap the loop instead of the stores.
        float touch = 0f;
        for (int r = 0, o = ci; r < 12; r++, o += ldc) touch += c[o] + c[o + VL] + c[o + NR - 1];
        if (touch == SENTINEL) sink++;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR, ao = ai + p * aStride;
            FloatVector b0 = FloatVector.fromArray(S, b, bo), b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector a00 = FloatVector.broadcast(S, a[ao + 0]);
            FloatVector a01 = FloatVector.broadcast(S, a[ao + 1]);
            FloatVector a02 = FloatVector.broadcast(S, a[ao + 2]);
            FloatVector a03 = FloatVector.broadcast(S, a[ao + 3]);
            FloatVector a04 = FloatVector.broadcast(S, a[ao + 4]);
            FloatVector a05 = FloatVector.broadcast(S, a[ao + 5]);
            FloatVector a06 = FloatVector.broadcast(S, a[ao + 6]);
            FloatVector a07 = FloatVector.broadcast(S, a[ao + 7]);
            FloatVector a08 = FloatVector.broadcast(S, a[ao + 8]);
            FloatVector a09 = FloatVector.broadcast(S, a[ao + 9]);
            FloatVector a10 = FloatVector.broadcast(S, a[ao + 10]);
            FloatVector a11 = FloatVector.broadcast(S, a[ao + 11]);
            c000 = b0.fma(a00, c000); c001 = b1.fma(a00, c001);
            c010 = b0.fma(a01, c010); c011 = b1.fma(a01, c011);
            c020 = b0.fma(a02, c020); c021 = b1.fma(a02, c021);
            c030 = b0.fma(a03, c030); c031 = b1.fma(a03, c031);
            c040 = b0.fma(a04, c040); c041 = b1.fma(a04, c041);
            c050 = b0.fma(a05, c050); c051 = b1.fma(a05, c051);
            c060 = b0.fma(a06, c060); c061 = b1.fma(a06, c061);
            c070 = b0.fma(a07, c070); c071 = b1.fma(a07, c071);
            c080 = b0.fma(a08, c080); c081 = b1.fma(a08, c081);
            c090 = b0.fma(a09, c090); c091 = b1.fma(a09, c091);
            c100 = b0.fma(a10, c100); c101 = b1.fma(a10, c101);
            c110 = b0.fma(a11, c110); c111 = b1.fma(a11, c111);
        }
        // Written out row by row: a helper method taking vectors would box them.
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (overwrite) {
            int o00 = ci;
            c000.mul(av).intoArray(c, o00);
            c001.mul(av).intoArray(c, o00 + VL);
            int o01 = ci + ldc;
            c010.mul(av).intoArray(c, o01);
            c011.mul(av).intoArray(c, o01 + VL);
            int o02 = ci + 2 * ldc;
            c020.mul(av).intoArray(c, o02);
            c021.mul(av).intoArray(c, o02 + VL);
            int o03 = ci + 3 * ldc;
            c030.mul(av).intoArray(c, o03);
            c031.mul(av).intoArray(c, o03 + VL);
            int o04 = ci + 4 * ldc;
            c040.mul(av).intoArray(c, o04);
            c041.mul(av).intoArray(c, o04 + VL);
            int o05 = ci + 5 * ldc;
            c050.mul(av).intoArray(c, o05);
            c051.mul(av).intoArray(c, o05 + VL);
            int o06 = ci + 6 * ldc;
            c060.mul(av).intoArray(c, o06);
            c061.mul(av).intoArray(c, o06 + VL);
            int o07 = ci + 7 * ldc;
            c070.mul(av).intoArray(c, o07);
            c071.mul(av).intoArray(c, o07 + VL);
            int o08 = ci + 8 * ldc;
            c080.mul(av).intoArray(c, o08);
            c081.mul(av).intoArray(c, o08 + VL);
            int o09 = ci + 9 * ldc;
            c090.mul(av).intoArray(c, o09);
            c091.mul(av).intoArray(c, o09 + VL);
            int o10 = ci + 10 * ldc;
            c100.mul(av).intoArray(c, o10);
            c101.mul(av).intoArray(c, o10 + VL);
            int o11 = ci + 11 * ldc;
            c110.mul(av).intoArray(c, o11);
            c111.mul(av).intoArray(c, o11 + VL);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            int o00 = ci;
            c000.fma(av, FloatVector.fromArray(S, c, o00).mul(bv)).intoArray(c, o00);
            c001.fma(av, FloatVector.fromArray(S, c, o00 + VL).mul(bv)).intoArray(c, o00 + VL);
            int o01 = ci + ldc;
            c010.fma(av, FloatVector.fromArray(S, c, o01).mul(bv)).intoArray(c, o01);
            c011.fma(av, FloatVector.fromArray(S, c, o01 + VL).mul(bv)).intoArray(c, o01 + VL);
            int o02 = ci + 2 * ldc;
            c020.fma(av, FloatVector.fromArray(S, c, o02).mul(bv)).intoArray(c, o02);
            c021.fma(av, FloatVector.fromArray(S, c, o02 + VL).mul(bv)).intoArray(c, o02 + VL);
            int o03 = ci + 3 * ldc;
            c030.fma(av, FloatVector.fromArray(S, c, o03).mul(bv)).intoArray(c, o03);
            c031.fma(av, FloatVector.fromArray(S, c, o03 + VL).mul(bv)).intoArray(c, o03 + VL);
            int o04 = ci + 4 * ldc;
            c040.fma(av, FloatVector.fromArray(S, c, o04).mul(bv)).intoArray(c, o04);
            c041.fma(av, FloatVector.fromArray(S, c, o04 + VL).mul(bv)).intoArray(c, o04 + VL);
            int o05 = ci + 5 * ldc;
            c050.fma(av, FloatVector.fromArray(S, c, o05).mul(bv)).intoArray(c, o05);
            c051.fma(av, FloatVector.fromArray(S, c, o05 + VL).mul(bv)).intoArray(c, o05 + VL);
            int o06 = ci + 6 * ldc;
            c060.fma(av, FloatVector.fromArray(S, c, o06).mul(bv)).intoArray(c, o06);
            c061.fma(av, FloatVector.fromArray(S, c, o06 + VL).mul(bv)).intoArray(c, o06 + VL);
            int o07 = ci + 7 * ldc;
            c070.fma(av, FloatVector.fromArray(S, c, o07).mul(bv)).intoArray(c, o07);
            c071.fma(av, FloatVector.fromArray(S, c, o07 + VL).mul(bv)).intoArray(c, o07 + VL);
            int o08 = ci + 8 * ldc;
            c080.fma(av, FloatVector.fromArray(S, c, o08).mul(bv)).intoArray(c, o08);
            c081.fma(av, FloatVector.fromArray(S, c, o08 + VL).mul(bv)).intoArray(c, o08 + VL);
            int o09 = ci + 9 * ldc;
            c090.fma(av, FloatVector.fromArray(S, c, o09).mul(bv)).intoArray(c, o09);
            c091.fma(av, FloatVector.fromArray(S, c, o09 + VL).mul(bv)).intoArray(c, o09 + VL);
            int o10 = ci + 10 * ldc;
            c100.fma(av, FloatVector.fromArray(S, c, o10).mul(bv)).intoArray(c, o10);
            c101.fma(av, FloatVector.fromArray(S, c, o10 + VL).mul(bv)).intoArray(c, o10 + VL);
            int o11 = ci + 11 * ldc;
            c110.fma(av, FloatVector.fromArray(S, c, o11).mul(bv)).intoArray(c, o11);
            c111.fma(av, FloatVector.fromArray(S, c, o11 + VL).mul(bv)).intoArray(c, o11 + VL);
        }
    }

    /** 6 rows x NR columns; see {@link #kernel}. */
    private static void kernel6x2(int kc, float[] a, int ai, int aStride, float[] b, int bi,
                                   float[] c, int ci, int ldc, float alpha, float beta, boolean overwrite) {
        FloatVector c000 = FloatVector.zero(S), c001 = FloatVector.zero(S);
        FloatVector c010 = FloatVector.zero(S), c011 = FloatVector.zero(S);
        FloatVector c020 = FloatVector.zero(S), c021 = FloatVector.zero(S);
        FloatVector c030 = FloatVector.zero(S), c031 = FloatVector.zero(S);
        FloatVector c040 = FloatVector.zero(S), c041 = FloatVector.zero(S);
        FloatVector c050 = FloatVector.zero(S), c051 = FloatVector.zero(S);
        // Touch the C tile now, so its cache misses overlap the loop instead of the stores.
        float touch = 0f;
        for (int r = 0, o = ci; r < 6; r++, o += ldc) touch += c[o] + c[o + VL] + c[o + NR - 1];
        if (touch == SENTINEL) sink++;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR, ao = ai + p * aStride;
            FloatVector b0 = FloatVector.fromArray(S, b, bo), b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector a00 = FloatVector.broadcast(S, a[ao + 0]);
            FloatVector a01 = FloatVector.broadcast(S, a[ao + 1]);
            FloatVector a02 = FloatVector.broadcast(S, a[ao + 2]);
            FloatVector a03 = FloatVector.broadcast(S, a[ao + 3]);
            FloatVector a04 = FloatVector.broadcast(S, a[ao + 4]);
            FloatVector a05 = FloatVector.broadcast(S, a[ao + 5]);
            c000 = b0.fma(a00, c000); c001 = b1.fma(a00, c001);
            c010 = b0.fma(a01, c010); c011 = b1.fma(a01, c011);
            c020 = b0.fma(a02, c020); c021 = b1.fma(a02, c021);
            c030 = b0.fma(a03, c030); c031 = b1.fma(a03, c031);
            c040 = b0.fma(a04, c040); c041 = b1.fma(a04, c041);
            c050 = b0.fma(a05, c050); c051 = b1.fma(a05, c051);
        }
        // Written out row by row: a helper method taking vectors would box them.
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (overwrite) {
            int o00 = ci;
            c000.mul(av).intoArray(c, o00);
            c001.mul(av).intoArray(c, o00 + VL);
            int o01 = ci + ldc;
            c010.mul(av).intoArray(c, o01);
            c011.mul(av).intoArray(c, o01 + VL);
            int o02 = ci + 2 * ldc;
            c020.mul(av).intoArray(c, o02);
            c021.mul(av).intoArray(c, o02 + VL);
            int o03 = ci + 3 * ldc;
            c030.mul(av).intoArray(c, o03);
            c031.mul(av).intoArray(c, o03 + VL);
            int o04 = ci + 4 * ldc;
            c040.mul(av).intoArray(c, o04);
            c041.mul(av).intoArray(c, o04 + VL);
            int o05 = ci + 5 * ldc;
            c050.mul(av).intoArray(c, o05);
            c051.mul(av).intoArray(c, o05 + VL);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            int o00 = ci;
            c000.fma(av, FloatVector.fromArray(S, c, o00).mul(bv)).intoArray(c, o00);
            c001.fma(av, FloatVector.fromArray(S, c, o00 + VL).mul(bv)).intoArray(c, o00 + VL);
            int o01 = ci + ldc;
            c010.fma(av, FloatVector.fromArray(S, c, o01).mul(bv)).intoArray(c, o01);
            c011.fma(av, FloatVector.fromArray(S, c, o01 + VL).mul(bv)).intoArray(c, o01 + VL);
            int o02 = ci + 2 * ldc;
            c020.fma(av, FloatVector.fromArray(S, c, o02).mul(bv)).intoArray(c, o02);
            c021.fma(av, FloatVector.fromArray(S, c, o02 + VL).mul(bv)).intoArray(c, o02 + VL);
            int o03 = ci + 3 * ldc;
            c030.fma(av, FloatVector.fromArray(S, c, o03).mul(bv)).intoArray(c, o03);
            c031.fma(av, FloatVector.fromArray(S, c, o03 + VL).mul(bv)).intoArray(c, o03 + VL);
            int o04 = ci + 4 * ldc;
            c040.fma(av, FloatVector.fromArray(S, c, o04).mul(bv)).intoArray(c, o04);
            c041.fma(av, FloatVector.fromArray(S, c, o04 + VL).mul(bv)).intoArray(c, o04 + VL);
            int o05 = ci + 5 * ldc;
            c050.fma(av, FloatVector.fromArray(S, c, o05).mul(bv)).intoArray(c, o05);
            c051.fma(av, FloatVector.fromArray(S, c, o05 + VL).mul(bv)).intoArray(c, o05 + VL);
        }
    }

    /** 4 rows x NR columns; see {@link #kernel}. */
    private static void kernel4x2(int kc, float[] a, int ai, int aStride, float[] b, int bi,
                                   float[] c, int ci, int ldc, float alpha, float beta, boolean overwrite) {
        FloatVector c000 = FloatVector.zero(S), c001 = FloatVector.zero(S);
        FloatVector c010 = FloatVector.zero(S), c011 = FloatVector.zero(S);
        FloatVector c020 = FloatVector.zero(S), c021 = FloatVector.zero(S);
        FloatVector c030 = FloatVector.zero(S), c031 = FloatVector.zero(S);
        // Touch the C tile now, so its cache misses overlap the loop instead of the stores.
        float touch = 0f;
        for (int r = 0, o = ci; r < 4; r++, o += ldc) touch += c[o] + c[o + VL] + c[o + NR - 1];
        if (touch == SENTINEL) sink++;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR, ao = ai + p * aStride;
            FloatVector b0 = FloatVector.fromArray(S, b, bo), b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector a00 = FloatVector.broadcast(S, a[ao + 0]);
            FloatVector a01 = FloatVector.broadcast(S, a[ao + 1]);
            FloatVector a02 = FloatVector.broadcast(S, a[ao + 2]);
            FloatVector a03 = FloatVector.broadcast(S, a[ao + 3]);
            c000 = b0.fma(a00, c000); c001 = b1.fma(a00, c001);
            c010 = b0.fma(a01, c010); c011 = b1.fma(a01, c011);
            c020 = b0.fma(a02, c020); c021 = b1.fma(a02, c021);
            c030 = b0.fma(a03, c030); c031 = b1.fma(a03, c031);
        }
        // Written out row by row: a helper method taking vectors would box them.
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (overwrite) {
            int o00 = ci;
            c000.mul(av).intoArray(c, o00);
            c001.mul(av).intoArray(c, o00 + VL);
            int o01 = ci + ldc;
            c010.mul(av).intoArray(c, o01);
            c011.mul(av).intoArray(c, o01 + VL);
            int o02 = ci + 2 * ldc;
            c020.mul(av).intoArray(c, o02);
            c021.mul(av).intoArray(c, o02 + VL);
            int o03 = ci + 3 * ldc;
            c030.mul(av).intoArray(c, o03);
            c031.mul(av).intoArray(c, o03 + VL);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            int o00 = ci;
            c000.fma(av, FloatVector.fromArray(S, c, o00).mul(bv)).intoArray(c, o00);
            c001.fma(av, FloatVector.fromArray(S, c, o00 + VL).mul(bv)).intoArray(c, o00 + VL);
            int o01 = ci + ldc;
            c010.fma(av, FloatVector.fromArray(S, c, o01).mul(bv)).intoArray(c, o01);
            c011.fma(av, FloatVector.fromArray(S, c, o01 + VL).mul(bv)).intoArray(c, o01 + VL);
            int o02 = ci + 2 * ldc;
            c020.fma(av, FloatVector.fromArray(S, c, o02).mul(bv)).intoArray(c, o02);
            c021.fma(av, FloatVector.fromArray(S, c, o02 + VL).mul(bv)).intoArray(c, o02 + VL);
            int o03 = ci + 3 * ldc;
            c030.fma(av, FloatVector.fromArray(S, c, o03).mul(bv)).intoArray(c, o03);
            c031.fma(av, FloatVector.fromArray(S, c, o03 + VL).mul(bv)).intoArray(c, o03 + VL);
        }
    }

    /** 1 rows x NR columns; see {@link #kernel}. */
    private static void kernel1x2(int kc, float[] a, int ai, int aStride, float[] b, int bi,
                                   float[] c, int ci, int ldc, float alpha, float beta, boolean overwrite) {
        FloatVector c000 = FloatVector.zero(S), c001 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR, ao = ai + p * aStride;
            FloatVector b0 = FloatVector.fromArray(S, b, bo), b1 = FloatVector.fromArray(S, b, bo + VL);
            FloatVector a00 = FloatVector.broadcast(S, a[ao + 0]);
            c000 = b0.fma(a00, c000); c001 = b1.fma(a00, c001);
        }
        // Written out row by row: a helper method taking vectors would box them.
        FloatVector av = FloatVector.broadcast(S, alpha);
        if (overwrite) {
            int o00 = ci;
            c000.mul(av).intoArray(c, o00);
            c001.mul(av).intoArray(c, o00 + VL);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            int o00 = ci;
            c000.fma(av, FloatVector.fromArray(S, c, o00).mul(bv)).intoArray(c, o00);
            c001.fma(av, FloatVector.fromArray(S, c, o00 + VL).mul(bv)).intoArray(c, o00 + VL);
        }
    }


    /** 12 rows x one vector of columns, for a right edge of at most VL columns; written to {@code c} with row stride ldc. */
    private static void kernel12x1(int kc, float[] a, int ai, int aStride, float[] b, int bi, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S);
        FloatVector c03 = FloatVector.zero(S);
        FloatVector c04 = FloatVector.zero(S);
        FloatVector c05 = FloatVector.zero(S);
        FloatVector c06 = FloatVector.zero(S);
        FloatVector c07 = FloatVector.zero(S);
        FloatVector c08 = FloatVector.zero(S);
        FloatVector c09 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * aStride;
            FloatVector b0 = FloatVector.fromArray(S, b, bi + p * NR);
            c00 = b0.fma(FloatVector.broadcast(S, a[ao + 0]), c00);
            c01 = b0.fma(FloatVector.broadcast(S, a[ao + 1]), c01);
            c02 = b0.fma(FloatVector.broadcast(S, a[ao + 2]), c02);
            c03 = b0.fma(FloatVector.broadcast(S, a[ao + 3]), c03);
            c04 = b0.fma(FloatVector.broadcast(S, a[ao + 4]), c04);
            c05 = b0.fma(FloatVector.broadcast(S, a[ao + 5]), c05);
            c06 = b0.fma(FloatVector.broadcast(S, a[ao + 6]), c06);
            c07 = b0.fma(FloatVector.broadcast(S, a[ao + 7]), c07);
            c08 = b0.fma(FloatVector.broadcast(S, a[ao + 8]), c08);
            c09 = b0.fma(FloatVector.broadcast(S, a[ao + 9]), c09);
            c10 = b0.fma(FloatVector.broadcast(S, a[ao + 10]), c10);
            c11 = b0.fma(FloatVector.broadcast(S, a[ao + 11]), c11);
        }
        c00.intoArray(c, ci + 0 * ldc);
        c01.intoArray(c, ci + 1 * ldc);
        c02.intoArray(c, ci + 2 * ldc);
        c03.intoArray(c, ci + 3 * ldc);
        c04.intoArray(c, ci + 4 * ldc);
        c05.intoArray(c, ci + 5 * ldc);
        c06.intoArray(c, ci + 6 * ldc);
        c07.intoArray(c, ci + 7 * ldc);
        c08.intoArray(c, ci + 8 * ldc);
        c09.intoArray(c, ci + 9 * ldc);
        c10.intoArray(c, ci + 10 * ldc);
        c11.intoArray(c, ci + 11 * ldc);
    }

    /** 6 rows x one vector of columns, for a right edge of at most VL columns; written to {@code c} with row stride ldc. */
    private static void kernel6x1(int kc, float[] a, int ai, int aStride, float[] b, int bi, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S);
        FloatVector c03 = FloatVector.zero(S);
        FloatVector c04 = FloatVector.zero(S);
        FloatVector c05 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ao = ai + p * aStride;
            FloatVector b0 = FloatVector.fromArray(S, b, bi + p * NR);
            c00 = b0.fma(FloatVector.broadcast(S, a[ao + 0]), c00);
            c01 = b0.fma(FloatVector.broadcast(S, a[ao + 1]), c01);
            c02 = b0.fma(FloatVector.broadcast(S, a[ao + 2]), c02);
            c03 = b0.fma(FloatVector.broadcast(S, a[ao + 3]), c03);
            c04 = b0.fma(FloatVector.broadcast(S, a[ao + 4]), c04);
            c05 = b0.fma(FloatVector.broadcast(S, a[ao + 5]), c05);
        }
        c00.intoArray(c, ci + 0 * ldc);
        c01.intoArray(c, ci + 1 * ldc);
        c02.intoArray(c, ci + 2 * ldc);
        c03.intoArray(c, ci + 3 * ldc);
        c04.intoArray(c, ci + 4 * ldc);
        c05.intoArray(c, ci + 5 * ldc);
    }


    // ---- packing -----------------------------------------------------------------------------------

    /**
     * Packs rows [i0, i0+rows) and depth [pc, pc+kc) of op(A) into MR-row slivers: element (i, p)
     * of sliver s goes to {@code ap[s*MR*kc + p*MR + i]}; rows past the end are left as they are.
     * One vector per depth step and VL rows: a masked load when the rows are contiguous (transA),
     * else a gather down the column. Scalar packing cost as much as the micro-kernels when N is a
     * few slivers wide (N = 80: a third of the time).
     */
    private static void packA(boolean transA, float[] a, int base, int lda, int i0, int rows, int pc, int kc, float[] ap) {
        int[] fullOffsets = transA ? null : strideOffsets(lda, MR, MR + VL);
        for (int s = 0; s * MR < rows; s++) {
            int dst = s * MR * kc;
            int r = Math.min(MR, rows - s * MR);
            int ii = i0 + s * MR;
            int[] offsets = transA || r == MR ? fullOffsets : strideOffsets(lda, r, MR + VL);
            for (int q = 0; q < r; q += VL) {
                VectorMask<Float> live = S.indexInRange(q, r);
                if (transA) {
                    for (int p = 0, src = base + pc * lda + ii + q; p < kc; p++, src += lda)
                        FloatVector.fromArray(S, a, src, live).intoArray(ap, dst + p * MR + q, live);
                } else {
                    for (int p = 0, src = base + ii * lda + pc; p < kc; p++)
                        FloatVector.fromArray(S, a, src + p, offsets, q, live).intoArray(ap, dst + p * MR + q, live);
                }
            }
        }
    }

    /**
     * Gather offsets {@code i * ld} for the first {@code valid} of {@code length} lanes, then 0: a
     * masked gather still bounds-checks its inactive lanes, so they point at the first row.
     */
    private static int[] strideOffsets(int ld, int valid, int length) {
        int[] offsets = new int[length];
        for (int i = 0; i < valid; i++) offsets[i] = i * ld;
        return offsets;
    }

    /**
     * Packs columns [j, j+cols) (cols <= NR) and depth [pc, pc+kc) of op(B) into one sliver:
     * element (p, jj) goes to {@code bp[dst + p*NR + jj]}, columns past {@code cols} are zero. In the
     * up-front panel, the sliver of column block t and the depth block at pc starts at
     * {@code pc*js*NR + t*kc*NR}. Vector copies when op(B) rows are contiguous (masked at the
     * edge), else a gather down each of the NR columns.
     */
    private static void packB(boolean transB, float[] b, int bBase, int ldb, int pc, int kc, int j, int cols,
                              float[] bp, int dst) {
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(VL, cols);
        if (!transB) {
            // masked loads read only the valid columns and give zeros past the edge
            for (int p = 0, src = bBase + pc * ldb + j; p < kc; p++, src += ldb) {
                FloatVector.fromArray(S, b, src, m0).intoArray(bp, dst + p * NR);
                FloatVector.fromArray(S, b, src + VL, m1).intoArray(bp, dst + p * NR + VL);
            }
        } else {
            int[] offsets = strideOffsets(ldb, cols, NR);
            for (int p = 0, src = bBase + j * ldb + pc; p < kc; p++) {
                FloatVector.fromArray(S, b, src + p, offsets, 0, m0).intoArray(bp, dst + p * NR);
                FloatVector.fromArray(S, b, src + p, offsets, VL, m1).intoArray(bp, dst + p * NR + VL);
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
