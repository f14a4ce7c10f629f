package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;
import static dev.attune.kernels.cpu.VectorRows.VL;

import dev.attune.kernels.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused row kernels of the CPU backend (softmax, layer norm, batch norm; contracts in
 * {@code Backend}) over heap arrays. Contiguous rows go through {@link VectorRows}; every sum has
 * a fixed order that does not depend on the thread count unless stated.
 */
final class CpuNorms {
    /** Rows per partial sum of the layer-norm parameter gradients. */
    static final int LN_BLOCK = 64;

    private CpuNorms() {}

    // ---- softmax ------------------------------------------------------------------------------

    static void softmax(boolean log, float[] x, int xOff, int outer, int n, int inner, float[] y, int yOff) {
        if (inner == 1) {
            // A loop method per kind, not one loop branching per row: a compile unit then holds one (see CpuBackend.VECTOR_LOOPS).
            int minRows = Math.max(1, CpuBackend.GRAIN / Math.max(1, n));
            if (log) Parallel.forRange(outer, minRows, (lo, hi) -> logSoftmaxRows(x, xOff, y, yOff, n, lo, hi));
            else Parallel.forRange(outer, minRows, (lo, hi) -> softmaxRows(x, xOff, y, yOff, n, lo, hi));
            return;
        }
        // Rows strided by inner (softmax over a middle axis): the scalar definition, in double.
        Parallel.forRange(outer * inner, Math.max(1, CpuBackend.GRAIN / Math.max(1, n)), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int o = p / inner, in = p % inner;
                int xb = xOff + o * n * inner + in, yb = yOff + o * n * inner + in;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, x[xb + j * inner]);
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Math.exp(x[xb + j * inner] - max);
                if (log) {
                    float lse = (float) (max + Math.log(sum));
                    for (int j = 0; j < n; j++) y[yb + j * inner] = x[xb + j * inner] - lse;
                } else {
                    double inv = 1.0 / sum;
                    for (int j = 0; j < n; j++) y[yb + j * inner] = (float) (Math.exp(x[xb + j * inner] - max) * inv);
                }
            }
        });
    }

    /** Contiguous rows [lo, hi). A row of -inf (everything masked) gives NaN (-inf - -inf), as in PyTorch. */
    private static void softmaxRows(float[] x, int xOff, float[] y, int yOff, int n, int lo, int hi) {
        for (int o = lo; o < hi; o++) {
            int xo = xOff + o * n, yo = yOff + o * n;
            float sum = VectorRows.expShifted(x, xo, VectorRows.max(x, xo, n), y, yo, n);
            VectorRows.scale(y, yo, 1f / sum, y, yo, n);
        }
    }

    /**
     * Log-softmax of contiguous rows [lo, hi), {@code y = x - (max + log sum exp(x - max))}, software-pipelined:
     * the logarithm ending row o - 1 and that row's last pass come after row o's max and exp passes, which
     * do not depend on them (rows of 128: 6 % faster than one row at a time).
     */
    private static void logSoftmaxRows(float[] x, int xOff, float[] y, int yOff, int n, int lo, int hi) {
        float max = 0f, sum = 1f;
        for (int o = lo; o <= hi; o++) {
            float lse = max + VectorMath.logOfSum(sum);
            if (o < hi) {
                max = VectorRows.max(x, xOff + o * n, n);
                sum = VectorRows.expShifted(x, xOff + o * n, max, null, 0, n);
            }
            if (o > lo) VectorRows.addScalar(x, xOff + (o - 1) * n, -lse, y, yOff + (o - 1) * n, n);
        }
    }

    static void softmaxBackward(boolean log, float[] y, float[] gy, int outer, int n, int inner, float[] gx) {
        if (inner == 1) {
            int minRows = Math.max(1, CpuBackend.GRAIN / Math.max(1, n));
            if (log) {
                Parallel.forRange(outer, minRows, (lo, hi) -> {
                    for (int b = lo * n; b < hi * n; b += n) logSoftmaxGradRow(y, gy, gx, b, n);
                });
            } else {
                Parallel.forRange(outer, minRows, (lo, hi) -> {
                    for (int b = lo * n; b < hi * n; b += n) VectorRows.softmaxGrad(y, b, gy, b, VectorRows.dot(gy, b, y, b, n), 1f, gx, b, n);
                });
            }
            return;
        }
        Parallel.forRange(outer * inner, Math.max(1, CpuBackend.GRAIN / Math.max(1, n)), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int o = p / inner, in = p % inner;
                int base = o * n * inner + in;
                double dot = 0;
                if (log) {
                    for (int j = 0; j < n; j++) dot += gy[base + j * inner];
                    for (int j = 0; j < n; j++) {
                        int q = base + j * inner;
                        gx[q] = (float) (gy[q] - Math.exp(y[q]) * dot);
                    }
                } else {
                    for (int j = 0; j < n; j++) dot += (double) gy[base + j * inner] * y[base + j * inner];
                    for (int j = 0; j < n; j++) {
                        int q = base + j * inner;
                        gx[q] = (float) (y[q] * (gy[q] - dot));
                    }
                }
            }
        });
    }

    /**
     * {@code gx = gy - exp(y) sum(gy)} over one contiguous row. The JDK's EXP (one call) rather than
     * {@link VectorMath#exp}: with the latter, a benchmark loop that inlined the whole call chain
     * ran out of C2's inlining budget inside exp and got 15x slower after warm-up.
     */
    private static void logSoftmaxGradRow(float[] y, float[] gy, float[] gx, int b, int n) {
        float sum = VectorRows.sum(gy, b, n);
        FloatVector vs = FloatVector.broadcast(S, sum);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector e = FloatVector.fromArray(S, y, b + j).lanewise(VectorOperators.EXP);
            FloatVector.fromArray(S, gy, b + j).sub(e.mul(vs)).intoArray(gx, b + j);
        }
        for (; j < n; j++) gx[b + j] = gy[b + j] - (float) Math.exp(y[b + j]) * sum;
    }

    // ---- layer norm ---------------------------------------------------------------------------

    static void layerNorm(float[] x, float[] g, float[] bt, int rows, int cols, float eps, float[] y, float[] mean, float[] rstd) {
        Parallel.forRange(rows, Math.max(1, CpuBackend.GRAIN / Math.max(1, cols)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int b = r * cols;
                float mu = VectorRows.sum(x, b, cols) / cols;
                float var = VectorRows.squaredDeviations(x, b, cols, mu) / cols;
                float inv = (float) (1.0 / Math.sqrt((double) var + eps));
                mean[r] = mu;
                rstd[r] = inv;
                FloatVector vm = FloatVector.broadcast(S, mu), vi = FloatVector.broadcast(S, inv);
                int j = 0;
                for (int bound = S.loopBound(cols); j < bound; j += VL) {
                    FloatVector h = FloatVector.fromArray(S, x, b + j).sub(vm).mul(vi);
                    if (g != null) h = h.mul(FloatVector.fromArray(S, g, j));
                    if (bt != null) h = h.add(FloatVector.fromArray(S, bt, j));
                    h.intoArray(y, b + j);
                }
                for (; j < cols; j++) {
                    float h = (x[b + j] - mu) * inv;
                    if (g != null) h *= g[j];
                    if (bt != null) h += bt[j];
                    y[b + j] = h;
                }
            }
        });
    }

    /**
     * One pass over the rows computes gx and, per block of {@link #LN_BLOCK} rows, partial sums of
     * the parameter gradients (read while the row is in cache, instead of a second pass walking
     * columns); the partials are then added block by block in order. The blocks do not depend on
     * the thread count, so neither do the sums.
     */
    static void layerNormBackward(float[] x, float[] g, float[] mean, float[] rstd, float[] gy, int rows, int cols,
                                  float[] gx, float[] gGamma, float[] gBeta) {
        boolean params = gGamma != null || gBeta != null;
        int blocks = (rows + LN_BLOCK - 1) / LN_BLOCK;
        float[] partial = params ? new float[blocks * 2 * cols] : null;
        Parallel.forRange(blocks, Math.max(1, CpuBackend.GRAIN / Math.max(1, LN_BLOCK * cols)), (b0, b1) -> {
            for (int blk = b0; blk < b1; blk++) {
                for (int r = blk * LN_BLOCK, end = Math.min(rows, r + LN_BLOCK); r < end; r++) {
                    layerNormBackwardRow(x, g, mean[r], rstd[r], gy, r * cols, cols, gx, partial, blk * 2 * cols);
                }
            }
        });
        if (!params) return;
        Parallel.forRange(cols, Math.max(VL, CpuBackend.GRAIN / Math.max(1, blocks)), (c0, c1) -> {
            if (gGamma != null) VectorRows.sumBlocks(partial, 0, 2 * cols, blocks, gGamma, c0, c1);
            if (gBeta != null) VectorRows.sumBlocks(partial, cols, 2 * cols, blocks, gBeta, c0, c1);
        });
    }

    /**
     * One row: {@code gx = rstd (gj - mean(gj) - h mean(gj h))} with {@code h = (x - mean) rstd},
     * {@code gj = gy gamma}; adds {@code gy h} and {@code gy} to the block's partial sums when given.
     */
    private static void layerNormBackwardRow(float[] x, float[] g, float m, float inv, float[] gy, int b, int cols,
                                             float[] gx, float[] partial, int pOff) {
        FloatVector vm = FloatVector.broadcast(S, m), vi = FloatVector.broadcast(S, inv);
        FloatVector accG = FloatVector.zero(S), accGH = FloatVector.zero(S);
        int j = 0;
        int bound = S.loopBound(cols);
        for (; j < bound; j += VL) {
            FloatVector gyv = FloatVector.fromArray(S, gy, b + j), h = FloatVector.fromArray(S, x, b + j).sub(vm).mul(vi);
            FloatVector gj = g == null ? gyv : gyv.mul(FloatVector.fromArray(S, g, j));
            accG = accG.add(gj);
            accGH = gj.fma(h, accGH);
            if (partial != null) {
                gyv.fma(h, FloatVector.fromArray(S, partial, pOff + j)).intoArray(partial, pOff + j);
                gyv.add(FloatVector.fromArray(S, partial, pOff + cols + j)).intoArray(partial, pOff + cols + j);
            }
        }
        float sumG = accG.reduceLanes(VectorOperators.ADD), sumGH = accGH.reduceLanes(VectorOperators.ADD);
        for (; j < cols; j++) {
            float gyv = gy[b + j], h = (x[b + j] - m) * inv, gj = g == null ? gyv : gyv * g[j];
            sumG += gj;
            sumGH = Math.fma(gj, h, sumGH);
            if (partial != null) {
                partial[pOff + j] = Math.fma(gyv, h, partial[pOff + j]);
                partial[pOff + cols + j] += gyv;
            }
        }
        float meanG = sumG / cols, meanGH = sumGH / cols;
        FloatVector vg = FloatVector.broadcast(S, meanG), vgh = FloatVector.broadcast(S, meanGH);
        for (j = 0; j < bound; j += VL) {
            FloatVector gyv = FloatVector.fromArray(S, gy, b + j), h = FloatVector.fromArray(S, x, b + j).sub(vm).mul(vi);
            FloatVector gj = g == null ? gyv : gyv.mul(FloatVector.fromArray(S, g, j));
            gj.sub(vg).sub(h.mul(vgh)).mul(vi).intoArray(gx, b + j);
        }
        for (; j < cols; j++) {
            float h = (x[b + j] - m) * inv, gj = g == null ? gy[b + j] : gy[b + j] * g[j];
            gx[b + j] = (gj - meanG - h * meanGH) * inv;
        }
    }

    /** {@code out[c] = sum over blocks of partial[blk * 2 cols + at + c]}, in block order, for c in [c0, c1). */
    // ---- batch norm ---------------------------------------------------------------------------
    // x is (outer, channels, inner): channel c is outer segments of inner contiguous floats. Each
    // channel adds its segments in order o = 0, 1, ...: a segment's sum in float lanes, added in
    // double. How channels are split over threads or blocks changes no result.

    /** Per-channel mean and biased variance, by blocks of channels swept in memory order ({@link #blockMoments}). */
    static void channelMoments(float[] x, int outer, int channels, int inner, float[] mean, float[] var) {
        int block = channelBlock(outer, inner);
        Parallel.forRange((channels + block - 1) / block, 1, (lo, hi) -> {
            double[] acc = new double[block];
            for (int blk = lo; blk < hi; blk++) {
                int c0 = blk * block;
                blockMoments(x, outer, channels, inner, c0, Math.min(block, channels - c0), acc, mean, var);
            }
        });
    }

    /**
     * Mean and biased variance of channels [c0, c0 + cb), about 256 KiB of x ({@link #channelBlock}):
     * two sweeps in memory order (for each o, the block's segments are one run of cb x inner contiguous
     * floats), the sums then the squared deviations, the second from L2. One channel at a time would
     * read segments of 512 bytes 128 KiB apart at (32, 256, 128), which the prefetcher does not follow.
     * acc is scratch of at least cb doubles.
     */
    private static void blockMoments(float[] x, int outer, int channels, int inner, int c0, int cb, double[] acc,
                                     float[] mean, float[] var) {
        long count = (long) outer * inner;
        java.util.Arrays.fill(acc, 0, cb, 0);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < cb; j++) acc[j] += VectorRows.sum(x, (o * channels + c0 + j) * inner, inner);
        }
        for (int j = 0; j < cb; j++) mean[c0 + j] = (float) (acc[j] / count);
        java.util.Arrays.fill(acc, 0, cb, 0);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < cb; j++) acc[j] += VectorRows.squaredDeviations(x, (o * channels + c0 + j) * inner, inner, mean[c0 + j]);
        }
        for (int j = 0; j < cb; j++) var[c0 + j] = (float) (acc[j] / count);
    }

    /**
     * {@link #channelMoments}, {@code invStd = 1 / sqrt(var + eps)} (float, as the vector RSQRT) and
     * {@link #channelNormalize}, block by block: after {@link #blockMoments} the block is still in L2
     * for the normalisation, so x comes from memory once instead of twice. Each channel adds its
     * segments in the same order as in the two separate calls, so the results are theirs, bit for bit.
     */
    static void batchNormTraining(float[] x, int outer, int channels, int inner, float eps, float[] g, float[] bt,
                                  float[] mean, float[] var, float[] invStd, float[] y) {
        int block = channelBlock(outer, inner);
        Parallel.forRange((channels + block - 1) / block, 1, (lo, hi) -> {
            double[] acc = new double[block];
            float[] scale = new float[block], shift = new float[block];
            for (int blk = lo; blk < hi; blk++) {
                int c0 = blk * block, cb = Math.min(block, channels - c0);
                blockMoments(x, outer, channels, inner, c0, cb, acc, mean, var);
                for (int j = 0; j < cb; j++) {
                    int c = c0 + j;
                    invStd[c] = 1f / (float) Math.sqrt(var[c] + eps);
                    scale[j] = invStd[c] * (g == null ? 1f : g[c]);
                    shift[j] = (bt == null ? 0f : bt[c]) - mean[c] * scale[j];
                }
                for (int o = 0; o < outer; o++) {
                    for (int j = 0; j < cb; j++) {
                        int p = (o * channels + c0 + j) * inner;
                        VectorRows.affine(x, p, scale[j], shift[j], y, p, inner);
                    }
                }
            }
        });
    }

    static void channelNormalize(float[] x, int outer, int channels, int inner, float[] mean, float[] invStd,
                                 float[] g, float[] bt, float[] y) {
        Parallel.forRange(outer * channels, Math.max(1, CpuBackend.GRAIN / Math.max(1, inner)), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int c = p % channels;
                float scale = invStd[c] * (g == null ? 1f : g[c]);
                float shift = (bt == null ? 0f : bt[c]) - mean[c] * scale;
                VectorRows.affine(x, p * inner, scale, shift, y, p * inner, inner);
            }
        });
    }

    /** Channels per block of the moments, the fused forward and the backward: about 256 KiB of one tensor. */
    private static int channelBlock(int outer, int inner) {
        return Math.max(1, (1 << 16) / Math.max(1, outer * inner));
    }

    /**
     * Blocks of channels walked in memory order (for each o, the block's segments are one
     * contiguous run, for x and gy read and gx written) and small enough for L2 in the second
     * pass: about 15 % faster than channel by channel, whose gx writes are scattered segments.
     */
    static void batchNormBackward(float[] x, float[] gy, int outer, int channels, int inner, float[] mean, float[] invStd,
                                  float[] g, float[] gx, float[] gGamma, float[] gBeta) {
        long count = (long) outer * inner;
        int cb = channelBlock(outer, inner), blocks = (channels + cb - 1) / cb;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            double[] sumG = new double[cb], sumGC = new double[cb];
            float[] meanG = new float[cb], meanGH = new float[cb], scale = new float[cb];
            for (int blk = b0; blk < b1; blk++) {
                int c0 = blk * cb, c1 = Math.min(channels, c0 + cb);
                Arrays.fill(sumG, 0);
                Arrays.fill(sumGC, 0);
                for (int o = 0; o < outer; o++) {
                    for (int c = c0; c < c1; c++) {
                        int b = (o * channels + c) * inner;
                        sumG[c - c0] += VectorRows.sum(gy, b, inner);
                        sumGC[c - c0] += VectorRows.centeredDot(gy, b, x, b, mean[c], inner);
                    }
                }
                for (int c = c0; c < c1; c++) {
                    // sum gy xhat = invStd sum gy (x - mean)
                    double sumGH = sumGC[c - c0] * invStd[c];
                    if (gGamma != null) gGamma[c] = (float) sumGH;
                    if (gBeta != null) gBeta[c] = (float) sumG[c - c0];
                    meanG[c - c0] = (float) (sumG[c - c0] / count);
                    meanGH[c - c0] = (float) (sumGH / count);
                    scale[c - c0] = invStd[c] * (g == null ? 1f : g[c]);
                }
                for (int o = 0; o < outer; o++) {
                    for (int c = c0; c < c1; c++) {
                        batchNormGradSegment(x, gy, gx, (o * channels + c) * inner, inner, mean[c], invStd[c], meanG[c - c0],
                                meanGH[c - c0], scale[c - c0]);
                    }
                }
            }
        });
    }

    /** {@code gx = scale (gy - meanG - h meanGH)} with {@code h = (x - m) inv} over one segment. */
    private static void batchNormGradSegment(float[] x, float[] gy, float[] gx, int b, int n, float m, float inv,
                                             float meanG, float meanGH, float scale) {
        FloatVector vm = FloatVector.broadcast(S, m), vi = FloatVector.broadcast(S, inv), vs = FloatVector.broadcast(S, scale);
        FloatVector vg = FloatVector.broadcast(S, meanG), vgh = FloatVector.broadcast(S, meanGH);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += VL) {
            FloatVector h = FloatVector.fromArray(S, x, b + j).sub(vm).mul(vi);
            FloatVector.fromArray(S, gy, b + j).sub(vg).sub(h.mul(vgh)).mul(vs).intoArray(gx, b + j);
        }
        for (; j < n; j++) {
            float h = (x[b + j] - m) * inv;
            gx[b + j] = (gy[b + j] - meanG - h * meanGH) * scale;
        }
    }
}
