package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;
import static dev.attune.kernels.cpu.VectorRows.VL;

import dev.attune.kernels.Parallel;
import dev.attune.kernels.UnaryOp;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/**
 * Bias + activation on the CPU ({@code Backend.biasActivation} and its backward), for a dense
 * (rows, cols) x and a bias of cols:
 * <pre>
 *   forward   y = act(h),  h = x + bias (broadcast over rows)
 *   backward  gx = gy act'(h),  gBias_j = sum_r gx_rj
 * </pre>
 * One pass: each vector of x is loaded, biased, mapped and stored in the same loop, so the
 * activation's arithmetic overlaps the memory traffic of the vectors that follow. (An earlier
 * version wrote h to the output group by group, then mapped the group in a second step: the time
 * was memory plus compute. One pass took SiLU forward at (4096, 256), one thread, from 135 to
 * about 85 ns per row.) Each loop runs flat over a range of whole rows, with the bias column of
 * the vector kept in a wrapping counter: with a loop nested per row, C2 reloaded the polynomial
 * constants inside the inner loop, and tanh lost a quarter of its speed. A vector may then cross
 * into the next row; for that, when cols is not a multiple of the vector length, the bias is
 * read from a copy extended by one vector ({@code bias[j mod cols]} up to cols + VL), and the
 * bias-gradient partial sums of a block have the same extension, folded back before they are added.
 *
 * <p>Every activation uses the vector form of the unfused op ({@link VectorMath}), and the
 * scalar form on the last values of a range (fewer than a vector). act' is the unfused op's rule:
 * STEP, SILU_GRAD and GELU_GRAD of h, {@code 1 - t^2} and {@code s (1 - s)} from tanh and sigmoid.
 * The bias gradient is added up per block of {@link #BLOCK} rows while each gx vector is in
 * registers, then block by block in order: no dependence on the thread count.
 *
 * <p>Each activation has its own loops, called through handles that C2 does not inline, for the
 * reason given at {@code CpuBackend.VECTOR_LOOPS}: two such loops inlined into one caller outgrow
 * C2's node budget and box their vectors.
 */
final class CpuBiasActivation {
    /** Rows per partial sum of the bias gradient. */
    private static final int BLOCK = 64;

    /** {@code (x, bias, y, cols, lo, hi)}: y = act(x + bias) on rows [lo, hi). */
    private static final MethodType FORWARD_TYPE = MethodType.methodType(void.class,
            float[].class, float[].class, float[].class, int.class, int.class, int.class);
    /**
     * {@code (x, bias, gy, gx, partial, pOff, cols, lo, hi)}: gx = gy act'(x + bias) on rows [lo, hi),
     * added to partial from pOff (by column) when partial is not null.
     */
    private static final MethodType BACKWARD_TYPE = MethodType.methodType(void.class,
            float[].class, float[].class, float[].class, float[].class, float[].class, int.class, int.class, int.class, int.class);
    private static final MethodHandle[] FORWARD = new MethodHandle[UnaryOp.values().length];
    private static final MethodHandle[] BACKWARD = new MethodHandle[UnaryOp.values().length];

    static {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (UnaryOp act : new UnaryOp[] {UnaryOp.RELU, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.TANH, UnaryOp.SIGMOID}) {
                String name = act.name().toLowerCase(Locale.ROOT);
                FORWARD[act.ordinal()] = lookup.findStatic(CpuBiasActivation.class, name + "Rows", FORWARD_TYPE);
                BACKWARD[act.ordinal()] = lookup.findStatic(CpuBiasActivation.class, name + "GradRows", BACKWARD_TYPE);
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private CpuBiasActivation() {}

    static void forward(UnaryOp act, float[] x, float[] bias, int rows, int cols, float[] y) {
        MethodHandle loop = handle(FORWARD, act);
        float[] b = extended(bias, cols);
        Parallel.forRange(rows, Math.max(1, CpuBackend.GRAIN / Math.max(1, cols)), (lo, hi) -> {
            try {
                loop.invokeExact(x, b, y, cols, lo, hi);
            } catch (Throwable t) {
                throw rethrown(t);
            }
        });
    }

    static void backward(UnaryOp act, float[] x, float[] bias, float[] gy, int rows, int cols, float[] gx, float[] gBias) {
        MethodHandle loop = handle(BACKWARD, act);
        float[] b = extended(bias, cols);
        // Partials per block: cols, plus one vector of lanes that crossed a row end when cols is not a multiple of VL
        // (from cols, not b.length: the bias storage may be longer than one row).
        int blocks = (rows + BLOCK - 1) / BLOCK, stride = cols % VL == 0 ? cols : cols + VL;
        float[] partial = gBias == null ? null : new float[blocks * stride];
        Parallel.forRange(blocks, Math.max(1, CpuBackend.GRAIN / Math.max(1, BLOCK * cols)), (b0, b1) -> {
            for (int blk = b0; blk < b1; blk++) {
                try {
                    loop.invokeExact(x, b, gy, gx, partial, blk * stride, cols, blk * BLOCK, Math.min(rows, (blk + 1) * BLOCK));
                } catch (Throwable t) {
                    throw rethrown(t);
                }
                // Lanes that crossed into the next row summed past cols: back to their columns
                // (from the end, so that a lane more than one row on reaches its column too).
                if (partial != null)
                    for (int i = stride - 1; i >= cols; i--) partial[blk * stride + i - cols] += partial[blk * stride + i];
            }
        });
        if (gBias != null)
            Parallel.forRange(cols, Math.max(VL, CpuBackend.GRAIN / Math.max(1, blocks)),
                    (c0, c1) -> VectorRows.sumBlocks(partial, 0, stride, blocks, gBias, c0, c1));
    }

    private static MethodHandle handle(MethodHandle[] loops, UnaryOp act) {
        MethodHandle h = loops[act.ordinal()];
        if (h == null)
            throw new IllegalArgumentException("biasActivation: act must be RELU, SILU, GELU, TANH or SIGMOID, got " + act);
        return h;
    }

    /** The bias itself when cols is a multiple of VL, else {@code bias[j mod cols]} for j < cols + VL. */
    private static float[] extended(float[] bias, int cols) {
        if (cols % VL == 0) return bias;
        float[] e = new float[cols + VL];
        for (int j = 0; j < e.length; j++) e[j] = bias[j % cols];
        return e;
    }

    /** m reduced below cols (one subtraction when cols >= VL; a vector spans several rows when cols < VL). */
    private static int column(int m, int cols) {
        while (m >= cols) m -= cols;
        return m;
    }

    private static RuntimeException rethrown(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t); // the loops declare no checked exception
    }

    // ---- forward: y = act(x + bias) over rows [lo, hi); m is the column of the vector at k --------

    private static void reluRows(float[] x, float[] bias, float[] y, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            VectorMath.relu(h).intoArray(y, k);
            m = column(m + VL, cols);
        }
        forwardTail(UnaryOp.RELU, x, bias, y, cols, k, end, m);
    }

    private static void siluRows(float[] x, float[] bias, float[] y, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            VectorMath.silu(h).intoArray(y, k);
            m = column(m + VL, cols);
        }
        forwardTail(UnaryOp.SILU, x, bias, y, cols, k, end, m);
    }

    private static void geluRows(float[] x, float[] bias, float[] y, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            VectorMath.gelu(h).intoArray(y, k);
            m = column(m + VL, cols);
        }
        forwardTail(UnaryOp.GELU, x, bias, y, cols, k, end, m);
    }

    private static void tanhRows(float[] x, float[] bias, float[] y, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            VectorMath.tanh(h).intoArray(y, k);
            m = column(m + VL, cols);
        }
        forwardTail(UnaryOp.TANH, x, bias, y, cols, k, end, m);
    }

    private static void sigmoidRows(float[] x, float[] bias, float[] y, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            VectorMath.sigmoid(h).intoArray(y, k);
            m = column(m + VL, cols);
        }
        forwardTail(UnaryOp.SIGMOID, x, bias, y, cols, k, end, m);
    }

    // ---- backward: gx = gy act'(x + bias), partial += gx, over rows [lo, hi) ----------------------

    private static void reluGradRows(float[] x, float[] bias, float[] gy, float[] gx, float[] partial, int pOff, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            FloatVector d = VectorMath.step(h);
            FloatVector g = FloatVector.fromArray(S, gy, k).mul(d);
            g.intoArray(gx, k);
            if (partial != null) g.add(FloatVector.fromArray(S, partial, pOff + m)).intoArray(partial, pOff + m);
            m = column(m + VL, cols);
        }
        backwardTail(UnaryOp.RELU, x, bias, gy, gx, partial, pOff, cols, k, end, m);
    }

    private static void siluGradRows(float[] x, float[] bias, float[] gy, float[] gx, float[] partial, int pOff, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            FloatVector d = VectorMath.siluGrad(h);
            FloatVector g = FloatVector.fromArray(S, gy, k).mul(d);
            g.intoArray(gx, k);
            if (partial != null) g.add(FloatVector.fromArray(S, partial, pOff + m)).intoArray(partial, pOff + m);
            m = column(m + VL, cols);
        }
        backwardTail(UnaryOp.SILU, x, bias, gy, gx, partial, pOff, cols, k, end, m);
    }

    private static void geluGradRows(float[] x, float[] bias, float[] gy, float[] gx, float[] partial, int pOff, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            FloatVector d = VectorMath.geluGrad(h);
            FloatVector g = FloatVector.fromArray(S, gy, k).mul(d);
            g.intoArray(gx, k);
            if (partial != null) g.add(FloatVector.fromArray(S, partial, pOff + m)).intoArray(partial, pOff + m);
            m = column(m + VL, cols);
        }
        backwardTail(UnaryOp.GELU, x, bias, gy, gx, partial, pOff, cols, k, end, m);
    }

    private static void tanhGradRows(float[] x, float[] bias, float[] gy, float[] gx, float[] partial, int pOff, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            FloatVector t = VectorMath.tanh(h);
            FloatVector g = FloatVector.fromArray(S, gy, k).mul(t.mul(t).neg().add(1f));
            g.intoArray(gx, k);
            if (partial != null) g.add(FloatVector.fromArray(S, partial, pOff + m)).intoArray(partial, pOff + m);
            m = column(m + VL, cols);
        }
        backwardTail(UnaryOp.TANH, x, bias, gy, gx, partial, pOff, cols, k, end, m);
    }

    private static void sigmoidGradRows(float[] x, float[] bias, float[] gy, float[] gx, float[] partial, int pOff, int cols, int lo, int hi) {
        int k = lo * cols, end = hi * cols, m = 0;
        for (int last = end - VL; k <= last; k += VL) {
            FloatVector h = FloatVector.fromArray(S, x, k).add(FloatVector.fromArray(S, bias, m));
            FloatVector s = VectorMath.sigmoid(h);
            FloatVector g = FloatVector.fromArray(S, gy, k).mul(s.mul(s.neg().add(1f)));
            g.intoArray(gx, k);
            if (partial != null) g.add(FloatVector.fromArray(S, partial, pOff + m)).intoArray(partial, pOff + m);
            m = column(m + VL, cols);
        }
        backwardTail(UnaryOp.SIGMOID, x, bias, gy, gx, partial, pOff, cols, k, end, m);
    }

    // ---- scalar tails -------------------------------------------------------------------------------

    /** The scalar form on [k, end), m the column of k. */
    private static void forwardTail(UnaryOp act, float[] x, float[] bias, float[] y, int cols, int k, int end, int m) {
        for (; k < end; k++, m = m + 1 == cols ? 0 : m + 1) y[k] = CpuBackend.scalarUnary(act, 0f, 0f, x[k] + bias[m]);
    }

    /** The scalar form of the backward on [k, end), m the column of k. */
    private static void backwardTail(UnaryOp act, float[] x, float[] bias, float[] gy, float[] gx, float[] partial, int pOff,
                                     int cols, int k, int end, int m) {
        for (; k < end; k++, m = m + 1 == cols ? 0 : m + 1) {
            float h = x[k] + bias[m];
            float d = switch (act) {
                case RELU -> CpuBackend.scalarUnary(UnaryOp.STEP, 0f, 0f, h);
                case SILU -> CpuBackend.scalarUnary(UnaryOp.SILU_GRAD, 0f, 0f, h);
                case GELU -> CpuBackend.scalarUnary(UnaryOp.GELU_GRAD, 0f, 0f, h);
                case TANH -> {
                    float t = CpuBackend.scalarUnary(UnaryOp.TANH, 0f, 0f, h);
                    yield 1f - t * t;
                }
                default -> {
                    float s = CpuBackend.scalarUnary(UnaryOp.SIGMOID, 0f, 0f, h);
                    yield s * (1f - s);
                }
            };
            float v = gy[k] * d;
            gx[k] = v;
            if (partial != null) partial[pOff + m] += v;
        }
    }
}
