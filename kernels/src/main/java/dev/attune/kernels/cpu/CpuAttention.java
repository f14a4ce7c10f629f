package dev.attune.kernels.cpu;

import dev.attune.kernels.CounterRng;
import dev.attune.kernels.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused scaled dot-product attention on the CPU (see {@code Backend.attention} for the contract):
 * per head, with S = scale (q k^T + qPos pos^T), -inf at padded keys,
 * <pre>
 *   forward:  P = softmax_j(S),  lse_i = log sum_j exp(S_ij),  out = (P o M / (1-p)) v
 *   backward: D_i = dO_i . out_i,  dP = (dO v^T) o M / (1-p),  dS = scale P o (dP - D)
 *             gq = dS k,  gk = dS^T q,  gv = (P o M / (1-p))^T dO,  gqPos = dS pos,  gPos = dS^T qPos
 * </pre>
 * where M is the dropout keep-mask drawn by the counter RNG at the flat (N, H, Tq, Tk) index.
 *
 * <p>Forward (flash style): each task is one head and a block of {@link #BR} query rows; it walks
 * the keys in blocks of {@link #BC} with an online softmax (running row max m and sum l; a new
 * block with max m' rescales the accumulated output and l by exp(m - m')), so at most one
 * BR x BC block of scores exists per thread. The block products go through {@link CpuGemm};
 * with a position term, q and qPos (and k and pos) are stacked along the depth so that
 * {@code q k^T + qPos pos^T} is one product of depth 2d. The scores are held transposed, keys by
 * queries (see {@code forwardBlock}).
 *
 * <p>Backward: each task is one head; it recomputes the score blocks from lse
 * ({@code P = exp(S - lse)}), so no probabilities are kept between the passes. A head's gk and
 * gv sums over its row blocks stay within the task; gPos shared by the batch (pBatch = 1) is
 * summed per head into a scratch (N, H, Tk, d) and then over the batch in index order. Every sum
 * has one fixed order that does not depend on how heads are split over threads, so results are
 * bit-identical run to run and across thread counts.
 */
final class CpuAttention {
    /** Query rows per block. */
    static final int BR = 128;
    /** Keys per block: a BR x BC block of scores is 64 KiB. */
    static final int BC = 128;
    /**
     * Row stride of the forward's blocks with queries across the lanes (scores, output
     * accumulator): BR plus a cache line, so that a walk down a column spreads over all L1 sets
     * instead of the eighth of them that a 512-byte stride reaches.
     */
    static final int LDQ = BR + 16;
    /** Multiply-adds below which a task is too small to hand to another thread. */
    private static final int MIN_TASK_WORK = 1 << 16;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** The growable scratch buffers: out^T, side-by-side operands and their gradients, transposed q and k. */
    private static final int ACC = 0, QS = 1, KS = 2, GQS = 3, GKS = 4, QT = 5, KT = 6;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Per-thread blocks: scores/probabilities, dP or dS, dropped probabilities, row statistics and
     * rescale factors, the forward's transposed output accumulator and operands, and the backward's
     * side-by-side operands and their gradients (see {@link Head}).
     */
    private static final class Scratch {
        final float[] s = new float[LDQ * BC], dp = new float[BR * BC], pd = new float[BR * BC];
        final float[] m = new float[BR], l = new float[BR], corr = new float[BR], dRow = new float[BR];
        final float[][] grown = new float[7][0];

        private final int[] offsets = new int[VL];
        private int offsetsStride = -1;

        /** Gather offsets {@code lane * stride}. */
        int[] rowOffsets(int stride) {
            if (offsetsStride != stride) {
                for (int i = 0; i < VL; i++) offsets[i] = i * stride;
                offsetsStride = stride;
            }
            return offsets;
        }

        /** Buffer {@code which} ({@link #ACC} .. {@link #KT}) with at least {@code size} floats. */
        float[] buffer(int which, int size) {
            if (grown[which].length < size) grown[which] = new float[size];
            return grown[which];
        }
    }

    /**
     * One head's operands of the score product {@code S = scale qs ks^T}: q and k themselves
     * (width d) or, with a position term, {@code [q | qPos]} and {@code [k | pos]} side by side
     * (width 2d), so that the scores, and gq with gqPos and gk with gPos in the backward, are one
     * GEMM each instead of two.
     */
    private record Head(float[] qs, int qsOff, float[] ks, int ksOff, int w) {
        /** Rows [i0, i0 + rows) of the head's queries and all its keys. */
        static Head of(Problem pr, int bh, int i0, int rows, Scratch sc) {
            int d = pr.d, qOff = (bh * pr.tq + i0) * d, kOff = pr.kvOffset(bh);
            if (pr.qp == null) return new Head(pr.q, qOff, pr.k, kOff, d);
            float[] qs = sc.buffer(QS, rows * 2 * d), ks = sc.buffer(KS, pr.tk * 2 * d);
            sideBySide(pr.q, qOff, pr.qp, qOff, rows, d, qs);
            sideBySide(pr.k, kOff, pr.p, pr.posOffset(bh), pr.tk, d, ks);
            return new Head(qs, 0, ks, 0, 2 * d);
        }
    }

    /** {@code dst[r] = [a[r] | b[r]]} for rows of width d starting at {@code aOff} and {@code bOff}. */
    private static void sideBySide(float[] a, int aOff, float[] b, int bOff, int rows, int d, float[] dst) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, aOff + r * d, dst, r * 2 * d, d);
            System.arraycopy(b, bOff + r * d, dst, r * 2 * d + d, d);
        }
    }

    /** The operands of one call, laid out as {@code Backend.attention} states. */
    record Problem(float[] q, float[] k, float[] v, float[] qp, float[] p, int pBatch, int[] pad,
                   int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter) {

        /** Depth of the score product: d, or 2d with the position term. */
        int width() {
            return qp == null ? d : 2 * d;
        }

        int kvOffset(int bh) {
            return bh * tk * d;
        }

        int posOffset(int bh) {
            return ((pBatch == 1 ? 0 : bh / h) * h + bh % h) * tk * d;
        }

        /** Stream position of the dropout draw for score (bh, i, j0). */
        long dropPosition(int bh, int i, int j0) {
            return counter + ((long) bh * tq + i) * tk + j0;
        }
    }

    private CpuAttention() {}

    static void forward(Problem pr, float[] out, float[] lse) {
        int rowBlocks = (pr.tq + BR - 1) / BR;
        long work = (long) Math.min(BR, pr.tq) * Math.max(1, pr.tk) * Math.max(1, pr.d);
        int minChunk = (int) Math.max(1, MIN_TASK_WORK / work);
        Parallel.forRange(pr.n * pr.h * rowBlocks, minChunk, (t0, t1) -> {
            for (int t = t0; t < t1; t++) forwardBlock(pr, t / rowBlocks, t % rowBlocks, t > t0 && t % rowBlocks > 0, out, lse);
        });
    }

    /**
     * One head's row block; {@code keysReady} when this thread's previous block was the same head's
     * previous one, so that the transposed keys in the scratch are this head's.
     *
     * <p>The scores are formed transposed, S^T (keys x queries), so that the softmax runs with
     * queries across the vector lanes (no horizontal reductions) and P^T is the depth-major operand
     * that P v needs: every block product reads its operands in place, and only q and k (with
     * qPos and pos) are transposed, once per block and once per head. The output accumulates in
     * {@code out} itself when d is whole column slivers of the GEMM (d = 64: its P v is then two
     * full slivers wide); otherwise (d = 40) as out^T in a scratch, where d becomes GEMM rows,
     * and is transposed at the end: a partial sliver cost 7 % of the forward at the HW4 shape.
     */
    private static void forwardBlock(Problem pr, int bh, int rowBlock, boolean keysReady, float[] out, float[] lse) {
        int d = pr.d, tk = pr.tk, w = pr.width();
        int i0 = rowBlock * BR, rows = Math.min(BR, pr.tq - i0);
        boolean inPlace = d % CpuGemm.NR == 0;
        Scratch sc = SCRATCH.get();
        float[] st = sc.s, m = sc.m, l = sc.l, corr = sc.corr;
        float[] qt = sc.buffer(QT, w * BR), kt = sc.buffer(KT, w * tk), ot = inPlace ? null : sc.buffer(ACC, d * LDQ);
        int qOff = (bh * pr.tq + i0) * d, kvOff = pr.kvOffset(bh);
        transpose(pr.q, qOff, d, rows, d, qt, 0, BR, sc);
        if (pr.qp != null) transpose(pr.qp, qOff, d, rows, d, qt, d * BR, BR, sc);
        if (!keysReady) {
            transpose(pr.k, kvOff, d, tk, d, kt, 0, tk, sc);
            if (pr.qp != null) transpose(pr.p, pr.posOffset(bh), d, tk, d, kt, d * tk, tk, sc);
        }
        long mixedSeed = CounterRng.mix(pr.seed);
        for (int j0 = 0; j0 < tk; j0 += BC) {
            int cols = Math.min(BC, tk - j0);
            boolean first = j0 == 0;
            // S^T = scale [k | pos] [q | qPos]^T
            CpuGemm.sgemm(true, false, 1, cols, rows, w, pr.scale, kt, j0, tk, 0, qt, 0, BR, 0, 0f, st, 0, LDQ, 0);
            if (pr.pad != null) {
                int padOff = bh / pr.h * tk + j0;
                for (int j = 0; j < cols; j++)
                    if (pr.pad[padOff + j] != 0) Arrays.fill(st, j * LDQ, j * LDQ + rows, Float.NEGATIVE_INFINITY);
            }
            onlineSoftmax(st, cols, rows, first, m, l, corr, pr.dropoutP, mixedSeed, pr.dropPosition(bh, i0, j0), tk);
            if (inPlace) {
                // out = corr o out + P v
                if (!first) scaleRows(out, qOff, d, rows, corr);
                CpuGemm.sgemm(true, false, 1, rows, d, cols, 1f, st, 0, LDQ, 0, pr.v, kvOff + j0 * d, d, 0, first ? 0f : 1f,
                        out, qOff, d, 0);
            } else {
                // out^T = corr o out^T + v^T P^T
                if (!first) scaleColumns(ot, d, rows, corr);
                CpuGemm.sgemm(true, false, 1, d, rows, cols, 1f, pr.v, kvOff + j0 * d, d, 0, st, 0, LDQ, 0, first ? 0f : 1f,
                        ot, 0, LDQ, 0);
            }
        }
        // out /= l. All keys padded: l = 0 and a zero output; lse -inf marks the row for the backward.
        int lseOff = bh * pr.tq + i0;
        for (int i = 0; i < rows; i++) {
            corr[i] = l[i] == 0f ? 0f : 1f / l[i];
            lse[lseOff + i] = l[i] == 0f ? Float.NEGATIVE_INFINITY : m[i] + (float) Math.log(l[i]);
        }
        if (inPlace) {
            scaleRows(out, qOff, d, rows, corr);
        } else {
            scaleColumns(ot, d, rows, corr);
            transpose(ot, 0, LDQ, d, rows, out, qOff, d, sc);
        }
    }

    /** {@code x[off + i * d + c] *= f[i]} for rows i < rows of width d. */
    private static void scaleRows(float[] x, int off, int d, int rows, float[] f) {
        for (int i = 0; i < rows; i++) VectorRows.scale(x, off + i * d, f[i], x, off + i * d, d);
    }

    /** {@code x[c, i] *= f[i]} for d rows of x (row stride LDQ) and i < rows, a vector of queries at a time. */
    private static void scaleColumns(float[] x, int d, int rows, float[] f) {
        for (int i = 0; i < rows; i += VL) {
            FloatVector fi = FloatVector.fromArray(S, f, i);
            for (int c = 0, o = i; c < d; c++, o += LDQ) FloatVector.fromArray(S, x, o).mul(fi).intoArray(x, o);
        }
    }

    /**
     * One key block of the online softmax, with queries across the vector lanes: {@code st} holds
     * {@code cols} rows of scores (one per key, row stride LDQ); each query's running max m and sum l
     * take the block in, {@code st} becomes {@code exp(s - m)}, and unless this is the first block
     * {@code corr} receives the factor {@code exp(m_old - m)} by which the output so far must be
     * rescaled. With dropout, each probability is then kept and scaled by 1 / (1 - p) where the
     * draw at stream position {@code at + i * tk + j} is below 1 - p (as {@code Backend.random}
     * BERNOULLI decides), else zeroed; the sum l takes the probabilities before dropout. Lanes past
     * {@code rows} compute on stale values that nothing reads.
     */
    private static void onlineSoftmax(float[] st, int cols, int rows, boolean first, float[] m, float[] l, float[] corr,
                                      float dropoutP, long mixedSeed, long at, int tk) {
        FloatVector minusInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector zeroHalf = FloatVector.zero(VectorRng.FS);
        float keep = 1f - dropoutP, inv = 1f / keep;
        for (int i = 0; i < rows; i += VL) {
            // The max on order-preserving integer images of the floats, as VectorRows.max does.
            IntVector maxBits = VectorRows.ordered(minusInf.reinterpretAsInts());
            for (int j = 0, o = i; j < cols; j++, o += LDQ)
                maxBits = maxBits.max(VectorRows.ordered(FloatVector.fromArray(S, st, o).reinterpretAsInts()));
            FloatVector blockMax = VectorRows.ordered(maxBits).reinterpretAsFloats();
            FloatVector mOld = first ? minusInf : FloatVector.fromArray(S, m, i), mNew = mOld.max(blockMax);
            // Every key so far padded (max -inf): shift by 0, so that exp gives 0 instead of NaN.
            FloatVector shift = mNew.blend(0f, mNew.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0, o = i; j < cols; j++, o += LDQ) {
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, st, o).sub(shift));
                e.intoArray(st, o);
                sum = sum.add(e);
                if (dropoutP > 0f) {
                    for (int h = 0; h < VL; h += VectorRng.LANES) {
                        FloatVector u = VectorRng.uniform(mixedSeed, at + (long) (i + h) * tk + j, tk);
                        FloatVector.fromArray(VectorRng.FS, st, o + h).mul(inv)
                                .blend(zeroHalf, u.compare(VectorOperators.GE, keep)).intoArray(st, o + h);
                    }
                }
            }
            mNew.intoArray(m, i);
            if (first) {
                sum.intoArray(l, i);
            } else {
                FloatVector c = VectorMath.expNonPositive(mOld.sub(shift));
                c.fma(FloatVector.fromArray(S, l, i), sum).intoArray(l, i);
                c.intoArray(corr, i);
            }
        }
    }

    /**
     * {@code dst[dOff + c * dLd + r] = src[sOff + r * sLd + c]}: a (rows, cols) block, transposed,
     * VL rows at a time by gathers down each column (with scalar copies, the forward was slower than
     * before the transposed layout at WeNet's shape).
     */
    private static void transpose(float[] src, int sOff, int sLd, int rows, int cols, float[] dst, int dOff, int dLd, Scratch sc) {
        int[] offsets = sc.rowOffsets(sLd);
        int r = 0;
        for (; r + VL <= rows; r += VL)
            for (int c = 0, s = sOff + r * sLd, o = dOff + r; c < cols; c++, o += dLd)
                FloatVector.fromArray(S, src, s + c, offsets, 0).intoArray(dst, o);
        for (; r < rows; r++)
            for (int c = 0, s = sOff + r * sLd; c < cols; c++) dst[dOff + c * dLd + r] = src[s + c];
    }

    static void backward(Problem pr, float[] out, float[] lse, float[] gOut,
                         float[] gq, float[] gk, float[] gv, float[] gqPos, float[] gPos) {
        int n = pr.n, h = pr.h, tk = pr.tk, d = pr.d;
        boolean pos = pr.qp != null;
        // gPos shared by the batch: per-head partial sums first, then a fixed-order sum over the batch.
        boolean direct = pr.pBatch == n;
        float[] gPosHeads = pos && !direct ? new float[n * h * tk * d] : gPos;
        long work = (long) pr.tq * Math.max(1, tk) * Math.max(1, d);
        int minChunk = (int) Math.max(1, MIN_TASK_WORK / work);
        Parallel.forRange(n * h, minChunk, (b0, b1) -> {
            for (int bh = b0; bh < b1; bh++) {
                backwardHead(pr, bh, out, lse, gOut, gq, gk, gv, gqPos, gPosHeads, direct ? pr.posOffset(bh) : pr.kvOffset(bh));
            }
        });
        if (pos && !direct) {
            int plane = tk * d;
            Parallel.forRange(h * plane, 1 << 14, (e0, e1) -> {
                for (int e = e0; e < e1; e++) {
                    int hh = e / plane, c = e % plane;
                    float sum = 0f;
                    for (int b = 0; b < n; b++) sum += gPosHeads[(b * h + hh) * plane + c];
                    gPos[e] = sum;
                }
            });
        }
    }

    private static void backwardHead(Problem pr, int bh, float[] out, float[] lse, float[] gOut,
                                     float[] gq, float[] gk, float[] gv, float[] gqPos, float[] gPos, int gPosOff) {
        int d = pr.d, tk = pr.tk, tq = pr.tq;
        boolean pos = pr.qp != null, drop = pr.dropoutP > 0f;
        int qBase = bh * tq * d, kvOff = pr.kvOffset(bh);
        Scratch sc = SCRATCH.get();
        float[] s = sc.s, dp = sc.dp, pd = sc.pd, dRow = sc.dRow;
        Head hd = Head.of(pr, bh, 0, tq, sc);
        int w = hd.w();
        // Gradients of the score operands: gq and gk in place, or [gq | gqPos] and [gk | gPos] side by side.
        float[] gqs = pos ? sc.buffer(GQS, tq * w) : gq, gks = pos ? sc.buffer(GKS, tk * w) : gk;
        int gqsOff = pos ? 0 : qBase, gksOff = pos ? 0 : kvOff;
        Arrays.fill(gqs, gqsOff, gqsOff + tq * w, 0f);
        Arrays.fill(gks, gksOff, gksOff + tk * w, 0f);
        Arrays.fill(gv, kvOff, kvOff + tk * d, 0f);
        float keep = 1f - pr.dropoutP, inv = 1f / keep;
        for (int i0 = 0; i0 < tq; i0 += BR) {
            int rows = Math.min(BR, tq - i0), qOff = qBase + i0 * d;
            for (int i = 0; i < rows; i++) dRow[i] = VectorRows.dot(gOut, qOff + i * d, out, qOff + i * d, d);
            for (int j0 = 0; j0 < tk; j0 += BC) {
                int cols = Math.min(BC, tk - j0), kOff = kvOff + j0 * d;
                scores(pr, bh, hd, i0, j0, rows, cols, s);
                for (int i = 0; i < rows; i++) {
                    float rowLse = lse[bh * tq + i0 + i];
                    if (rowLse == Float.NEGATIVE_INFINITY) Arrays.fill(s, i * BC, i * BC + cols, 0f);
                    else VectorRows.expShifted(s, i * BC, rowLse, s, i * BC, cols);
                }
                CpuGemm.sgemm(false, true, 1, rows, cols, d, 1f, gOut, qOff, d, 0, pr.v, kOff, d, 0, 0f, dp, 0, BC, 0);
                float[] dropped = s;
                if (drop) {
                    // The kept probabilities feed gv; dP sees the same mask.
                    dropBlock(pr, bh, i0, j0, rows, cols, s, dp, pd, keep, inv);
                    dropped = pd;
                }
                CpuGemm.sgemm(true, false, 1, cols, d, rows, 1f, dropped, 0, BC, 0, gOut, qOff, d, 0, 1f, gv, kOff, d, 0);
                for (int i = 0; i < rows; i++) VectorRows.softmaxGrad(s, i * BC, dp, i * BC, dRow[i], pr.scale, dp, i * BC, cols);
                CpuGemm.sgemm(false, false, 1, rows, w, cols, 1f, dp, 0, BC, 0, hd.ks(), hd.ksOff() + j0 * w, w, 0, 1f,
                        gqs, gqsOff + i0 * w, w, 0);
                CpuGemm.sgemm(true, false, 1, cols, w, rows, 1f, dp, 0, BC, 0, hd.qs(), hd.qsOff() + i0 * w, w, 0, 1f,
                        gks, gksOff + j0 * w, w, 0);
            }
        }
        if (pos) {
            for (int i = 0; i < tq; i++) {
                System.arraycopy(gqs, i * w, gq, qBase + i * d, d);
                System.arraycopy(gqs, i * w + d, gqPos, qBase + i * d, d);
            }
            for (int j = 0; j < tk; j++) {
                System.arraycopy(gks, j * w, gk, kvOff + j * d, d);
                System.arraycopy(gks, j * w + d, gPos, gPosOff + j * d, d);
            }
        }
    }

    /**
     * The backward's dropout of a block of probabilities p and their gradients dp (row stride BC):
     * where the draw at stream position {@code dropPosition(bh, i0 + i, j0) + j} is below keep (the
     * forward's mask), {@code pd = p / keep} and {@code dp /= keep}, else both are 0.
     */
    private static void dropBlock(Problem pr, int bh, int i0, int j0, int rows, int cols, float[] p, float[] dp, float[] pd,
                                  float keep, float inv) {
        long mixed = CounterRng.mix(pr.seed);
        FloatVector zero = FloatVector.zero(VectorRng.FS);
        for (int i = 0; i < rows; i++) {
            long at = pr.dropPosition(bh, i0 + i, j0);
            int o = i * BC, j = 0;
            for (; j + VectorRng.LANES <= cols; j += VectorRng.LANES) {
                VectorMask<Float> dropped = VectorRng.uniform(mixed, at + j).compare(VectorOperators.GE, keep);
                FloatVector.fromArray(VectorRng.FS, p, o + j).mul(inv).blend(zero, dropped).intoArray(pd, o + j);
                FloatVector.fromArray(VectorRng.FS, dp, o + j).mul(inv).blend(zero, dropped).intoArray(dp, o + j);
            }
            for (; j < cols; j++) {
                boolean kept = CounterRng.uniform(pr.seed, at + j) < keep;
                pd[o + j] = kept ? p[o + j] * inv : 0f;
                dp[o + j] = kept ? dp[o + j] * inv : 0f;
            }
        }
    }

    /**
     * The score block {@code s[i, j] = scale (q_i . k_j + qPos_i . pos_j)} for rows
     * [i0, i0 + rows) of the head's operands and keys [j0, j0 + cols), -inf at padded keys (row stride BC).
     */
    private static void scores(Problem pr, int bh, Head hd, int i0, int j0, int rows, int cols, float[] s) {
        int w = hd.w();
        CpuGemm.sgemm(false, true, 1, rows, cols, w, pr.scale, hd.qs(), hd.qsOff() + i0 * w, w, 0, hd.ks(), hd.ksOff() + j0 * w, w, 0,
                0f, s, 0, BC, 0);
        if (pr.pad != null) {
            int padOff = bh / pr.h * pr.tk + j0;
            for (int j = 0; j < cols; j++) {
                if (pr.pad[padOff + j] != 0) for (int i = 0; i < rows; i++) s[i * BC + j] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
