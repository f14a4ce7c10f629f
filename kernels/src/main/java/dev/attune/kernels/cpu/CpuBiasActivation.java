package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;
import static dev.attune.kernels.cpu.VectorRows.VL;

import dev.attune.kernels.Parallel;
import dev.attune.kernels.UnaryOp;
import jdk.incubator.vector.FloatVector;

/**
 * Bias + activation on the CPU ({@code Backend.biasActivation} and its backward), for a dense
 * (rows, cols) x and a bias of cols:
 * <pre>
 *   forward   y = act(h),  h = x + bias (broadcast over rows)
 *   backward  gx = gy act'(h),  gBias_j = sum_r gx_rj
 * </pre>
 * Rows go in groups of about {@link #GROUP_FLOATS} values through two steps that both find them in
 * L1: h into the output, then the activation's own vector loop ({@link CpuBackend#unaryRange}) in
 * place, one call per group (each call dispatches through a method handle). Memory sees one read
 * of x and one write of y, and every activation keeps the vector form the unfused op uses (the
 * last few values of a group take its scalar form, an ulp away at most). act' is the unfused
 * op's rule too: STEP, SILU_GRAD and GELU_GRAD of h, {@code 1 - t^2} and
 * {@code s (1 - s)} from the values of tanh and sigmoid. The bias gradient is added up per block of
 * {@link #BLOCK} rows while each gx row is in cache, then block by block in order: no dependence
 * on the thread count.
 */
final class CpuBiasActivation {
    /** Rows per partial sum of the bias gradient. */
    private static final int BLOCK = 64;
    /** Values per group of rows that one activation call maps: 16 KiB, well inside L1. */
    private static final int GROUP_FLOATS = 4096;

    private CpuBiasActivation() {}

    static void forward(UnaryOp act, float[] x, float[] bias, int rows, int cols, float[] y) {
        derivativeMap(act);
        int group = groupRows(cols);
        Parallel.forRange(rows, Math.max(1, CpuBackend.GRAIN / Math.max(1, cols)), (lo, hi) -> {
            for (int g = lo; g < hi; g += group) {
                int end = Math.min(hi, g + group);
                for (int r = g; r < end; r++) addBias(x, r * cols, bias, y, cols);
                CpuBackend.unaryRange(act, 0f, 0f, y, g * cols, y, g * cols, 0, (end - g) * cols);
            }
        });
    }

    static void backward(UnaryOp act, float[] x, float[] bias, float[] gy, int rows, int cols, float[] gx, float[] gBias) {
        UnaryOp map = derivativeMap(act);
        int blocks = (rows + BLOCK - 1) / BLOCK;
        float[] partial = gBias == null ? null : new float[blocks * cols];
        int group = Math.min(BLOCK, groupRows(cols));
        Parallel.forRange(blocks, Math.max(1, CpuBackend.GRAIN / Math.max(1, BLOCK * cols)), (b0, b1) -> {
            for (int blk = b0; blk < b1; blk++) {
                for (int g = blk * BLOCK, blockEnd = Math.min(rows, g + BLOCK); g < blockEnd; g += group) {
                    int end = Math.min(blockEnd, g + group);
                    for (int r = g; r < end; r++) addBias(x, r * cols, bias, gx, cols);
                    CpuBackend.unaryRange(map, 0f, 0f, gx, g * cols, gx, g * cols, 0, (end - g) * cols);
                    for (int r = g; r < end; r++) gradientRow(act, gy, gx, r * cols, cols, partial, blk * cols);
                }
            }
        });
        if (gBias != null)
            Parallel.forRange(cols, Math.max(VL, CpuBackend.GRAIN / Math.max(1, blocks)),
                    (c0, c1) -> VectorRows.sumBlocks(partial, 0, cols, blocks, gBias, c0, c1));
    }

    /** Rows per group: {@link #GROUP_FLOATS} values, at least one row. */
    private static int groupRows(int cols) {
        return Math.max(1, GROUP_FLOATS / Math.max(1, cols));
    }

    /** The map the backward applies to h: act' itself, or act for tanh and sigmoid (act' from the value). */
    private static UnaryOp derivativeMap(UnaryOp act) {
        return switch (act) {
            case RELU -> UnaryOp.STEP;
            case SILU -> UnaryOp.SILU_GRAD;
            case GELU -> UnaryOp.GELU_GRAD;
            case TANH, SIGMOID -> act;
            default -> throw new IllegalArgumentException("biasActivation: act must be RELU, SILU, GELU, TANH or SIGMOID, got " + act);
        };
    }

    /** {@code out[o + j] = x[o + j] + bias[j]}. */
    private static void addBias(float[] x, int o, float[] bias, float[] out, int cols) {
        int j = 0;
        for (int bound = S.loopBound(cols); j < bound; j += VL)
            FloatVector.fromArray(S, x, o + j).add(FloatVector.fromArray(S, bias, j)).intoArray(out, o + j);
        for (; j < cols; j++) out[o + j] = x[o + j] + bias[j];
    }

    /**
     * Turns the mapped row {@code g} (act'(h), or tanh(h) / sigmoid(h)) into {@code gy act'(h)}, and
     * adds it to the block's partial bias gradient when there is one.
     */
    private static void gradientRow(UnaryOp act, float[] gy, float[] g, int o, int cols, float[] partial, int pOff) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (int bound = S.loopBound(cols); j < bound; j += VL) {
            FloatVector m = FloatVector.fromArray(S, g, o + j);
            FloatVector d = switch (act) {
                case TANH -> one.sub(m.mul(m));
                case SIGMOID -> m.mul(one.sub(m));
                default -> m;
            };
            FloatVector v = FloatVector.fromArray(S, gy, o + j).mul(d);
            v.intoArray(g, o + j);
            if (partial != null) v.add(FloatVector.fromArray(S, partial, pOff + j)).intoArray(partial, pOff + j);
        }
        for (; j < cols; j++) {
            float m = g[o + j];
            float d = switch (act) {
                case TANH -> 1f - m * m;
                case SIGMOID -> m * (1f - m);
                default -> m;
            };
            float v = gy[o + j] * d;
            g[o + j] = v;
            if (partial != null) partial[pOff + j] += v;
        }
    }
}
