package dev.attune.tensor;

import dev.attune.kernels.DType;
import java.util.Locale;

/**
 * Prints tensors the way PyTorch does: nested brackets, one shared width, 4 decimals (or
 * scientific notation when magnitudes span more than 1e3, or exceed 1e8 or fall below 1e-4),
 * integer-valued floats as {@code 1.}, and "..." with 3 items at each edge past 1000 elements.
 * Shape, dtype and device always follow, then requires_grad or grad_fn when set.
 */
final class TensorFormat {
    private static final int SUMMARIZE_OVER = 1000;
    private static final int EDGE_ITEMS = 3;
    private static final String PREFIX = "tensor(";

    private TensorFormat() {}

    static String format(Tensor t) {
        float[] values = t.toFloatArray();
        int[] shape = t.shape();
        boolean summarize = values.length > SUMMARIZE_OVER;
        java.util.function.IntFunction<String> cell = cellFormatter(t.dtype(), values, shape, summarize);
        int width = 0;
        for (int k = 0; k < values.length; k++) if (!summarize || shown(k, shape)) width = Math.max(width, cell.apply(k).length());
        StringBuilder sb = new StringBuilder(PREFIX);
        if (shape.length == 0) sb.append(cell.apply(0));
        else appendDim(sb, cell, shape, 0, 0, width, summarize, PREFIX.length() + 1);
        sb.append(", shape=").append(Shapes.str(shape))
                .append(", dtype=").append(t.dtype().displayName())
                .append(", device=").append(t.device());
        if (t.gradFnName() != null) sb.append(", grad_fn=<").append(t.gradFnName()).append(">");
        else if (t.requiresGrad()) sb.append(", requires_grad=true");
        return sb.append(')').toString();
    }

    /** Whether flat index k is printed when the tensor is summarised (every coordinate near an edge). */
    private static boolean shown(int k, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            int i = k % shape[d];
            k /= shape[d];
            if (shape[d] > 2 * EDGE_ITEMS && i >= EDGE_ITEMS && i < shape[d] - EDGE_ITEMS) return false;
        }
        return true;
    }

    private static java.util.function.IntFunction<String> cellFormatter(DType dtype, float[] v, int[] shape, boolean summarize) {
        if (dtype == DType.BOOL) return k -> v[k] != 0 ? "True" : "False";
        if (dtype == DType.INT32) return k -> Integer.toString((int) v[k]);
        boolean allIntegral = true;
        double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
        for (int k = 0; k < v.length; k++) {
            if (summarize && !shown(k, shape)) continue;
            float x = v[k];
            if (!Float.isFinite(x)) continue;
            if (x != Math.rint(x)) allIntegral = false;
            double a = Math.abs(x);
            maxAbs = Math.max(maxAbs, a);
            if (a > 0) minAbs = Math.min(minAbs, a);
        }
        boolean sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs > 0) || (minAbs > 0 && maxAbs / minAbs > 1e3);
        if (allIntegral && maxAbs < 1e8) return k -> special(v[k], () -> String.format(Locale.ROOT, "%.0f.", v[k]));
        if (sci) return k -> special(v[k], () -> String.format(Locale.ROOT, "%.4e", v[k]));
        return k -> special(v[k], () -> String.format(Locale.ROOT, "%.4f", v[k]));
    }

    private static String special(float x, java.util.function.Supplier<String> normal) {
        if (Float.isNaN(x)) return "nan";
        if (Float.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        return normal.get();
    }

    private static void appendDim(StringBuilder sb, java.util.function.IntFunction<String> cell, int[] shape, int d, int base,
                                  int width, boolean summarize, int indent) {
        int n = shape[d];
        int stride = 1;
        for (int i = d + 1; i < shape.length; i++) stride *= shape[i];
        sb.append('[');
        boolean cut = summarize && n > 2 * EDGE_ITEMS;
        for (int i = 0; i < n; i++) {
            if (cut && i == EDGE_ITEMS) {
                sb.append(d == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent));
                i = n - EDGE_ITEMS;
            }
            if (d == shape.length - 1) {
                String s = cell.apply(base + i);
                sb.append(" ".repeat(width - s.length())).append(s);
                if (i < n - 1) sb.append(", ");
            } else {
                appendDim(sb, cell, shape, d + 1, base + i * stride, width, summarize, indent + 1);
                if (i < n - 1) sb.append(",").append("\n".repeat(shape.length - d - 1)).append(" ".repeat(indent));
            }
        }
        sb.append(']');
    }
}
