package dev.attune.kernels.cuda;

/**
 * The by-value {@code Layout} struct of native/src/attune.cuh for strided kernels:
 * {@code {int rank; int shape[8]; int st[4][8];}} as 41 ints. Dims of size 1 are dropped and
 * neighbouring dims that every operand walks contiguously are merged, so views of any rank
 * usually need only one or two dims.
 */
final class Layout {
    static final int MAX_RANK = 8;
    private static final int OPERANDS = 4;

    private Layout() {}

    static int[] of(String op, int[] shape, int[]... strides) {
        int rank = shape.length;
        int[] sh = new int[Math.max(rank, 1)];
        int[][] st = new int[strides.length][Math.max(rank, 1)];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && mergeable(sh[r - 1], st, r - 1, strides, d, shape[d])) {
                for (int q = 0; q < strides.length; q++) st[q][r - 1] = strides[q][d];
                sh[r - 1] *= shape[d];
                continue;
            }
            sh[r] = shape[d];
            for (int q = 0; q < strides.length; q++) st[q][r] = strides[q][d];
            r++;
        }
        if (r == 0) {  // one element: a rank-1 walk of size 1 with zero strides
            sh[0] = 1;
            for (int[] q : st) q[0] = 0;
            r = 1;
        }
        if (r > MAX_RANK) {
            throw new IllegalArgumentException("cuda " + op + ": at most " + MAX_RANK + " dims after merging contiguous dims, got "
                    + r + " for shape " + java.util.Arrays.toString(shape));
        }
        int[] out = new int[1 + MAX_RANK + OPERANDS * MAX_RANK];
        out[0] = r;
        for (int d = 0; d < r; d++) {
            out[1 + d] = sh[d];
            for (int q = 0; q < strides.length; q++) out[1 + MAX_RANK + q * MAX_RANK + d] = st[q][d];
        }
        return out;
    }

    /** Whether the kept dim {@code prev} (size prevSize) and the next dim d (size) form one dim for every operand. */
    private static boolean mergeable(int prevSize, int[][] st, int prev, int[][] strides, int d, int size) {
        for (int q = 0; q < strides.length; q++) {
            if ((long) st[q][prev] != (long) strides[q][d] * size) return false;
        }
        return true;
    }

    /** True when a two-operand layout is one dense run for both (a plain memcpy). */
    static boolean isDenseCopy(int[] layout) {
        return layout[0] == 1 && layout[1 + MAX_RANK] == 1 && layout[1 + 2 * MAX_RANK] == 1;
    }
}
