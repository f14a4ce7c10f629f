package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;
import static dev.attune.kernels.cpu.VectorRows.VL;

import dev.attune.kernels.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Depthwise conv1d on the CPU ({@code Backend.depthwiseConv1d} and its backward) for x (n, c, l),
 * w (c, 1, k), bias (c) or none, y (n, c, lout), with x = 0 outside [0, l):
 * <pre>
 *   y[b,ch,t]  = bias[ch] + sum_j w[ch,j] x[b,ch, t stride + j dil - pad]
 *   gx[b,ch,i] = sum over (t, j) with t stride + j dil - pad = i of w[ch,j] gy[b,ch,t]
 *   gw[ch,j]   = sum_b sum_t gy[b,ch,t] x[b,ch, t stride + j dil - pad]
 * </pre>
 * Stride 1 (the Conformer's convolution module) is a correlation of a zero-padded row with the
 * taps. Each row is copied once into a padded scratch row, so no tap needs a bounds test, and
 * {@link #BLOCK} vectors of outputs stay in registers while all k taps are added: one load and
 * one fma per vector and tap (the tap-by-tap axpy this replaced loaded and stored the output row
 * once per tap and ran at 4-13 % of copy bandwidth). gx is the same correlation over gy padded by
 * {@code (k-1) dil - pad}, with the taps reversed. gw accumulates, per channel, the products of
 * gy with each shifted padded x row in vectors over the whole batch (eight taps per pass over a
 * row; sixteen with 17-32 taps, {@link #weightGradientPaired}), then sums the lanes: one owner per channel and a fixed order, whatever the thread count.
 * Other strides take the scalar definition. Sums are fused multiply-adds in tap order after the
 * bias, except that with VL < k <= 2 VL and dilation 1 the taps from VL on are summed apart and
 * added last ({@link #correlatePaired}).
 */
final class CpuDepthwiseConv {
    /** Output vectors per register block of the correlation: 8 independent fma chains fill both FMA ports. */
    private static final int BLOCK = 8;
    /** Taps per pass of the weight gradient: gy is loaded once for 8 fmas. */
    private static final int TAPS = 8;

    private CpuDepthwiseConv() {}

    static void forward(float[] x, float[] w, float[] bias, int n, int c, int l, int k, int stride, int pad, int dil,
                        int lout, float[] y) {
        int minRows = Math.max(1, CpuBackend.GRAIN / Math.max(1, lout * k));
        if (stride != 1) {
            Parallel.forRange(n * c, minRows, (lo, hi) -> {
                for (int p = lo; p < hi; p++) stridedRow(x, p * l, w, (p % c) * k, bias == null ? 0f : bias[p % c],
                        l, k, stride, pad, dil, y, p * lout, lout);
            });
            return;
        }
        Parallel.forRange(n * c, minRows, (lo, hi) -> {
            float[] padded = new float[paddedLength(lout, k, dil)];
            for (int p = lo; p < hi; p++) {
                int ch = p % c;
                padRow(x, p * l, l, pad, padded, 0, padded.length);
                float b = bias == null ? 0f : bias[ch];
                int from = pairedTaps(k, dil) ? correlatePaired(padded, w, ch * k, false, k, b, y, p * lout, lout) : 0;
                correlate(padded, w, ch * k, false, k, dil, b, y, p * lout, from, lout);
            }
        });
    }

    static void backward(float[] x, float[] w, float[] gy, int n, int c, int l, int k, int stride, int pad, int dil,
                         int lout, float[] gx, float[] gw) {
        int minRows = Math.max(1, CpuBackend.GRAIN / Math.max(1, lout * k));
        if (gx != null) {
            if (stride != 1) {
                Parallel.forRange(n * c, minRows, (lo, hi) -> {
                    for (int p = lo; p < hi; p++) stridedRowBackward(gy, p * lout, w, (p % c) * k, l, k, stride, pad, dil, gx, p * l, lout);
                });
            } else {
                // gx[i] = sum_j' w[k-1-j'] gy[i + j' dil - lead]: the forward's correlation, taps reversed.
                int lead = (k - 1) * dil - pad;
                Parallel.forRange(n * c, minRows, (lo, hi) -> {
                    float[] padded = new float[paddedLength(l, k, dil)];
                    for (int p = lo; p < hi; p++) {
                        padRow(gy, p * lout, lout, lead, padded, 0, padded.length);
                        int from = pairedTaps(k, dil) ? correlatePaired(padded, w, (p % c) * k, true, k, 0f, gx, p * l, l) : 0;
                        correlate(padded, w, (p % c) * k, true, k, dil, 0f, gx, p * l, from, l);
                    }
                });
            }
        }
        if (gw != null) {
            Parallel.forRange(c, 1, (lo, hi) -> {
                float[] padded = stride == 1 ? new float[n * weightRowLength(lout, k, dil)] : null;
                for (int ch = lo; ch < hi; ch++) {
                    if (stride == 1) weightGradient(x, gy, n, c, ch, l, k, pad, dil, lout, padded, gw);
                    else stridedWeightGradient(x, gy, n, c, ch, l, k, stride, pad, dil, lout, gw);
                }
            });
        }
    }

    /** A padded row long enough for every tap of {@code lout} outputs, plus a vector of zeros that the last masked block may read. */
    private static int paddedLength(int lout, int k, int dil) {
        return lout + (k - 1) * dil + VL;
    }

    /** {@code dst[dstOff + i] = src[off + i - lead]} where that lies in [0, len), else 0, for i in [0, dstLen). */
    private static void padRow(float[] src, int off, int len, int lead, float[] dst, int dstOff, int dstLen) {
        int from = Math.min(dstLen, Math.max(0, lead)), to = Math.max(from, Math.min(dstLen, lead + len));
        Arrays.fill(dst, dstOff, dstOff + from, 0f);
        if (to > from) System.arraycopy(src, off + from - lead, dst, dstOff + from, to - from);
        Arrays.fill(dst, dstOff + to, dstOff + dstLen, 0f);
    }

    /**
     * {@code out[outOff + t] = b + sum_j w_j p[t + j dil]} for t in [from, len), with w_j = {@code w[wOff + j]},
     * or {@code w[wOff + k-1-j]} when reversed; from is 0 or where {@link #correlatePaired} stopped. (The
     * callers choose the paired blocks: called from here, they slowed the 15-tap blocks by a fifth.)
     */
    private static void correlate(float[] p, float[] w, int wOff, boolean reversed, int k, int dil, float b,
                                  float[] out, int outOff, int from, int len) {
        FloatVector vb = FloatVector.broadcast(S, b);
        int t = from;
        for (; t + BLOCK * VL <= len; t += BLOCK * VL) {
            FloatVector a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
            for (int j = 0; j < k; j++) {
                FloatVector wj = FloatVector.broadcast(S, w[wOff + (reversed ? k - 1 - j : j)]);
                int o = t + j * dil;
                a0 = FloatVector.fromArray(S, p, o).fma(wj, a0);
                a1 = FloatVector.fromArray(S, p, o + VL).fma(wj, a1);
                a2 = FloatVector.fromArray(S, p, o + 2 * VL).fma(wj, a2);
                a3 = FloatVector.fromArray(S, p, o + 3 * VL).fma(wj, a3);
                a4 = FloatVector.fromArray(S, p, o + 4 * VL).fma(wj, a4);
                a5 = FloatVector.fromArray(S, p, o + 5 * VL).fma(wj, a5);
                a6 = FloatVector.fromArray(S, p, o + 6 * VL).fma(wj, a6);
                a7 = FloatVector.fromArray(S, p, o + 7 * VL).fma(wj, a7);
            }
            int d = outOff + t;
            a0.intoArray(out, d);
            a1.intoArray(out, d + VL);
            a2.intoArray(out, d + 2 * VL);
            a3.intoArray(out, d + 3 * VL);
            a4.intoArray(out, d + 4 * VL);
            a5.intoArray(out, d + 5 * VL);
            a6.intoArray(out, d + 6 * VL);
            a7.intoArray(out, d + 7 * VL);
        }
        // Fewer than BLOCK vectors left: one at a time, the last one masked (p has a vector of slack).
        for (; t < len; t += VL) {
            FloatVector a = vb;
            for (int j = 0; j < k; j++) {
                a = FloatVector.fromArray(S, p, t + j * dil).fma(FloatVector.broadcast(S, w[wOff + (reversed ? k - 1 - j : j)]), a);
            }
            a.intoArray(out, outOff + t, S.indexInRange(t, len));
        }
    }

    /**
     * The register blocks of {@link #correlate} for VL < k <= 2 VL (the Conformer's 31 taps) and
     * dilation 1, with each window loaded once for two taps: the window at {@code t + v VL + j} is
     * tap j of output vector v and tap j + VL of vector v - 1. Nearly every window load straddles
     * two cache lines, and such loads cost about as much as the fmas (measured: time per row fits
     * 0.2 ns per fma plus 0.2 ns per line-crossing load), so halving the loads saves about a
     * sixth. Taps below VL are summed after the bias, taps from VL on in a second set of
     * accumulators (two short dependency chains), and the two added at the end. Returns the first
     * output not computed (a multiple of BLOCK vectors).
     */
    private static int correlatePaired(float[] p, float[] w, int wOff, boolean reversed, int k, float b,
                                       float[] out, int outOff, int len) {
        FloatVector vb = FloatVector.broadcast(S, b);
        int t = 0;
        for (; t + BLOCK * VL <= len; t += BLOCK * VL) {
            FloatVector a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
            FloatVector h0 = FloatVector.zero(S), h1 = h0, h2 = h0, h3 = h0, h4 = h0, h5 = h0, h6 = h0, h7 = h0;
            // taps j (into a) and j + VL (into h) while both exist, then tap j alone
            int both = k - VL;
            for (int j = 0; j < both; j++) {
                int o = t + j;
                FloatVector lo = FloatVector.broadcast(S, w[wOff + (reversed ? k - 1 - j : j)]);
                FloatVector hi = FloatVector.broadcast(S, w[wOff + (reversed ? both - 1 - j : j + VL)]);
                FloatVector x = FloatVector.fromArray(S, p, o);
                a0 = x.fma(lo, a0);
                x = FloatVector.fromArray(S, p, o + VL);
                a1 = x.fma(lo, a1);
                h0 = x.fma(hi, h0);
                x = FloatVector.fromArray(S, p, o + 2 * VL);
                a2 = x.fma(lo, a2);
                h1 = x.fma(hi, h1);
                x = FloatVector.fromArray(S, p, o + 3 * VL);
                a3 = x.fma(lo, a3);
                h2 = x.fma(hi, h2);
                x = FloatVector.fromArray(S, p, o + 4 * VL);
                a4 = x.fma(lo, a4);
                h3 = x.fma(hi, h3);
                x = FloatVector.fromArray(S, p, o + 5 * VL);
                a5 = x.fma(lo, a5);
                h4 = x.fma(hi, h4);
                x = FloatVector.fromArray(S, p, o + 6 * VL);
                a6 = x.fma(lo, a6);
                h5 = x.fma(hi, h5);
                x = FloatVector.fromArray(S, p, o + 7 * VL);
                a7 = x.fma(lo, a7);
                h6 = x.fma(hi, h6);
                h7 = FloatVector.fromArray(S, p, o + 8 * VL).fma(hi, h7);
            }
            for (int j = both; j < VL; j++) {
                int o = t + j;
                FloatVector lo = FloatVector.broadcast(S, w[wOff + (reversed ? k - 1 - j : j)]);
                a0 = FloatVector.fromArray(S, p, o).fma(lo, a0);
                a1 = FloatVector.fromArray(S, p, o + VL).fma(lo, a1);
                a2 = FloatVector.fromArray(S, p, o + 2 * VL).fma(lo, a2);
                a3 = FloatVector.fromArray(S, p, o + 3 * VL).fma(lo, a3);
                a4 = FloatVector.fromArray(S, p, o + 4 * VL).fma(lo, a4);
                a5 = FloatVector.fromArray(S, p, o + 5 * VL).fma(lo, a5);
                a6 = FloatVector.fromArray(S, p, o + 6 * VL).fma(lo, a6);
                a7 = FloatVector.fromArray(S, p, o + 7 * VL).fma(lo, a7);
            }
            int d = outOff + t;
            a0.add(h0).intoArray(out, d);
            a1.add(h1).intoArray(out, d + VL);
            a2.add(h2).intoArray(out, d + 2 * VL);
            a3.add(h3).intoArray(out, d + 3 * VL);
            a4.add(h4).intoArray(out, d + 4 * VL);
            a5.add(h5).intoArray(out, d + 5 * VL);
            a6.add(h6).intoArray(out, d + 6 * VL);
            a7.add(h7).intoArray(out, d + 7 * VL);
        }
        return t;
    }

    /** Whether gw takes {@link #weightGradientPaired}: VL < k <= 2 VL at dilation 1, as the forward's {@link #correlatePaired}. */
    private static boolean pairedTaps(int k, int dil) {
        return dil == 1 && k > VL && k <= 2 * VL;
    }

    /**
     * The length of a padded x row of the weight gradient, whose last pass of TAPS taps may run past tap k-1
     * (the paired passes reach tap 2 VL - 1), plus a vector for the paired passes' last step.
     */
    private static int weightRowLength(int lout, int k, int dil) {
        int taps = pairedTaps(k, dil) ? 2 * VL : (k + TAPS - 1) / TAPS * TAPS;
        return lout + (taps - 1) * dil + 2 * VL;
    }

    /**
     * gw[ch, j] for stride 1: the batch's rows of channel ch padded once, then {@link #TAPS} taps
     * per pass (the last pass computes taps past k-1 and drops them), each tap's products with gy
     * summed in a vector over (b, t), lanes summed at the end.
     */
    private static void weightGradient(float[] x, float[] gy, int n, int c, int ch, int l, int k, int pad, int dil,
                                       int lout, float[] padded, float[] gw) {
        int rowLength = weightRowLength(lout, k, dil);
        for (int b = 0; b < n; b++) padRow(x, (b * c + ch) * l, l, pad, padded, b * rowLength, rowLength);
        int body = S.loopBound(lout);
        VectorMask<Float> tail = S.indexInRange(body, lout);
        if (pairedTaps(k, dil)) {
            weightGradientPaired(gy, n, c, ch, k, lout, rowLength, padded, gw, body, tail);
            return;
        }
        float[] sums = new float[TAPS];
        for (int j = 0; j < k; j += TAPS) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int b = 0; b < n; b++) {
                int g = (b * c + ch) * lout, pb = b * rowLength + j * dil;
                for (int t = 0; t <= body; t += VL) {
                    // The last step (t = body) is the masked tail, empty when VL divides lout.
                    FloatVector vg = t < body ? FloatVector.fromArray(S, gy, g + t) : FloatVector.fromArray(S, gy, g + t, tail);
                    int o = pb + t;
                    a0 = FloatVector.fromArray(S, padded, o).fma(vg, a0);
                    a1 = FloatVector.fromArray(S, padded, o + dil).fma(vg, a1);
                    a2 = FloatVector.fromArray(S, padded, o + 2 * dil).fma(vg, a2);
                    a3 = FloatVector.fromArray(S, padded, o + 3 * dil).fma(vg, a3);
                    a4 = FloatVector.fromArray(S, padded, o + 4 * dil).fma(vg, a4);
                    a5 = FloatVector.fromArray(S, padded, o + 5 * dil).fma(vg, a5);
                    a6 = FloatVector.fromArray(S, padded, o + 6 * dil).fma(vg, a6);
                    a7 = FloatVector.fromArray(S, padded, o + 7 * dil).fma(vg, a7);
                }
            }
            // Written out: a helper taking the vectors was not inlined here (NodeCountInliningCutoff) and boxed them.
            sums[0] = a0.reduceLanes(VectorOperators.ADD);
            sums[1] = a1.reduceLanes(VectorOperators.ADD);
            sums[2] = a2.reduceLanes(VectorOperators.ADD);
            sums[3] = a3.reduceLanes(VectorOperators.ADD);
            sums[4] = a4.reduceLanes(VectorOperators.ADD);
            sums[5] = a5.reduceLanes(VectorOperators.ADD);
            sums[6] = a6.reduceLanes(VectorOperators.ADD);
            sums[7] = a7.reduceLanes(VectorOperators.ADD);
            System.arraycopy(sums, 0, gw, ch * k + j, Math.min(TAPS, k - j));
        }
    }

    /**
     * gw[ch, j] for VL < k <= 2 VL at dilation 1: each pass takes taps j..j+7 (sums a) and
     * j+VL..j+VL+7 (sums h) and loads each window once for both, since the window of tap j + VL at
     * time t - VL is the window of tap j at time t: {@code h += W(t) gy(t - VL)}. The steps are
     * peeled so that no product with a missing gy vector is formed: t = 0 feeds a only, one step
     * past the end feeds h only. Each lane sums the same products in the same order as
     * {@link #weightGradient}'s loop, so the results are the same bit for bit.
     */
    private static void weightGradientPaired(float[] gy, int n, int c, int ch, int k, int lout, int rowLength,
                                             float[] padded, float[] gw, int body, VectorMask<Float> tail) {
        float[] sums = new float[2 * TAPS];
        for (int j = 0; j < VL; j += TAPS) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            FloatVector h0 = a0, h1 = a0, h2 = a0, h3 = a0, h4 = a0, h5 = a0, h6 = a0, h7 = a0;
            for (int b = 0; b < n; b++) {
                int g = (b * c + ch) * lout, pb = b * rowLength + j;
                FloatVector prev = body > 0 ? FloatVector.fromArray(S, gy, g) : FloatVector.fromArray(S, gy, g, tail);
                a0 = FloatVector.fromArray(S, padded, pb).fma(prev, a0);
                a1 = FloatVector.fromArray(S, padded, pb + 1).fma(prev, a1);
                a2 = FloatVector.fromArray(S, padded, pb + 2).fma(prev, a2);
                a3 = FloatVector.fromArray(S, padded, pb + 3).fma(prev, a3);
                a4 = FloatVector.fromArray(S, padded, pb + 4).fma(prev, a4);
                a5 = FloatVector.fromArray(S, padded, pb + 5).fma(prev, a5);
                a6 = FloatVector.fromArray(S, padded, pb + 6).fma(prev, a6);
                a7 = FloatVector.fromArray(S, padded, pb + 7).fma(prev, a7);
                for (int t = VL; t <= body; t += VL) {
                    // The last step (t = body) is the masked tail, empty when VL divides lout.
                    FloatVector cur = t < body ? FloatVector.fromArray(S, gy, g + t) : FloatVector.fromArray(S, gy, g + t, tail);
                    int o = pb + t;
                    FloatVector w = FloatVector.fromArray(S, padded, o);
                    a0 = w.fma(cur, a0);
                    h0 = w.fma(prev, h0);
                    w = FloatVector.fromArray(S, padded, o + 1);
                    a1 = w.fma(cur, a1);
                    h1 = w.fma(prev, h1);
                    w = FloatVector.fromArray(S, padded, o + 2);
                    a2 = w.fma(cur, a2);
                    h2 = w.fma(prev, h2);
                    w = FloatVector.fromArray(S, padded, o + 3);
                    a3 = w.fma(cur, a3);
                    h3 = w.fma(prev, h3);
                    w = FloatVector.fromArray(S, padded, o + 4);
                    a4 = w.fma(cur, a4);
                    h4 = w.fma(prev, h4);
                    w = FloatVector.fromArray(S, padded, o + 5);
                    a5 = w.fma(cur, a5);
                    h5 = w.fma(prev, h5);
                    w = FloatVector.fromArray(S, padded, o + 6);
                    a6 = w.fma(cur, a6);
                    h6 = w.fma(prev, h6);
                    w = FloatVector.fromArray(S, padded, o + 7);
                    a7 = w.fma(cur, a7);
                    h7 = w.fma(prev, h7);
                    prev = cur;
                }
                int o = pb + body + VL;   // one step past the last (t = body, or t = 0 when body = 0)
                h0 = FloatVector.fromArray(S, padded, o).fma(prev, h0);
                h1 = FloatVector.fromArray(S, padded, o + 1).fma(prev, h1);
                h2 = FloatVector.fromArray(S, padded, o + 2).fma(prev, h2);
                h3 = FloatVector.fromArray(S, padded, o + 3).fma(prev, h3);
                h4 = FloatVector.fromArray(S, padded, o + 4).fma(prev, h4);
                h5 = FloatVector.fromArray(S, padded, o + 5).fma(prev, h5);
                h6 = FloatVector.fromArray(S, padded, o + 6).fma(prev, h6);
                h7 = FloatVector.fromArray(S, padded, o + 7).fma(prev, h7);
            }
            // Written out: through a helper taking the vectors (not inlined, NodeCountInliningCutoff) they were
            // boxed, and the k = 31 weight gradient ran 5x slower.
            sums[0] = a0.reduceLanes(VectorOperators.ADD);
            sums[1] = a1.reduceLanes(VectorOperators.ADD);
            sums[2] = a2.reduceLanes(VectorOperators.ADD);
            sums[3] = a3.reduceLanes(VectorOperators.ADD);
            sums[4] = a4.reduceLanes(VectorOperators.ADD);
            sums[5] = a5.reduceLanes(VectorOperators.ADD);
            sums[6] = a6.reduceLanes(VectorOperators.ADD);
            sums[7] = a7.reduceLanes(VectorOperators.ADD);
            sums[TAPS] = h0.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 1] = h1.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 2] = h2.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 3] = h3.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 4] = h4.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 5] = h5.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 6] = h6.reduceLanes(VectorOperators.ADD);
            sums[TAPS + 7] = h7.reduceLanes(VectorOperators.ADD);

            System.arraycopy(sums, 0, gw, ch * k + j, TAPS);
            int high = Math.min(TAPS, k - j - VL);
            if (high > 0) System.arraycopy(sums, TAPS, gw, ch * k + j + VL, high);
        }
    }

    /** One output row of a strided convolution, only the taps that land inside [0, l). */
    private static void stridedRow(float[] x, int xb, float[] w, int wb, float b, int l, int k, int stride, int pad, int dil,
                                   float[] y, int yb, int lout) {
        for (int t = 0; t < lout; t++) {
            int start = t * stride - pad;
            int j0 = firstTap(start, dil), j1 = endTap(start, l, k, dil);
            float acc = b;
            for (int j = j0; j < j1; j++) acc = Math.fma(w[wb + j], x[xb + start + j * dil], acc);
            y[yb + t] = acc;
        }
    }

    private static void stridedRowBackward(float[] gy, int yb, float[] w, int wb, int l, int k, int stride, int pad, int dil,
                                           float[] gx, int xb, int lout) {
        Arrays.fill(gx, xb, xb + l, 0f);
        for (int t = 0; t < lout; t++) {
            int start = t * stride - pad;
            float g = gy[yb + t];
            for (int j = firstTap(start, dil), j1 = endTap(start, l, k, dil); j < j1; j++) {
                gx[xb + start + j * dil] = Math.fma(w[wb + j], g, gx[xb + start + j * dil]);
            }
        }
    }

    private static void stridedWeightGradient(float[] x, float[] gy, int n, int c, int ch, int l, int k, int stride, int pad,
                                              int dil, int lout, float[] gw) {
        for (int j = 0; j < k; j++) {
            float acc = 0f;
            for (int b = 0; b < n; b++) {
                int xb = (b * c + ch) * l, yb = (b * c + ch) * lout;
                for (int t = 0; t < lout; t++) {
                    int i = t * stride - pad + j * dil;
                    if (i >= 0 && i < l) acc = Math.fma(gy[yb + t], x[xb + i], acc);
                }
            }
            gw[ch * k + j] = acc;
        }
    }

    /** The first tap of an output whose window starts at {@code start} that lands at index >= 0. */
    private static int firstTap(int start, int dil) {
        return start >= 0 ? 0 : (-start + dil - 1) / dil;
    }

    /** One past the last tap that lands below l. */
    private static int endTap(int start, int l, int k, int dil) {
        return Math.max(0, Math.min(k, (l - 1 - start) / dil + 1));
    }
}
