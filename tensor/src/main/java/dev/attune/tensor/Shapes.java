package dev.attune.tensor;

import java.util.Arrays;

/** Shape arithmetic and the argument checks shared by all ops; messages name the op, the expected and the actual value. */
final class Shapes {
    private Shapes() {}

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor of shape " + str(shape) + " has more than 2^31-1 elements");
        return (int) n;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= Math.max(shape[d], 1);
        }
        return st;
    }

    static void checkShape(String op, int[] shape) {
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException(op + ": sizes must be non-negative, got " + str(shape));
        }
        numel(shape);
    }

    /** Normalises a possibly negative dim against a rank, PyTorch-style. */
    static int dim(String op, int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException(op + ": dim must be in [" + (-r) + ", " + (r - 1) + "], got " + dim);
        }
        return dim < 0 ? dim + r : dim;
    }

    static void checkSame(String op, String what, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalArgumentException(op + ": " + what + " must be " + str(expected) + ", got " + str(actual));
        }
    }

    static void checkRank(String op, String what, Tensor t, int... ranks) {
        for (int r : ranks) if (t.dim() == r) return;
        throw new IllegalArgumentException(op + ": " + what + " must have rank " + Arrays.toString(ranks).replace(", ", " or ")
                + ", got shape " + str(t.shape()));
    }

    static void checkFloat(String op, String what, Tensor t) {
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": " + what + " must be float32, got " + t.dtype().displayName());
        }
    }

    static void checkDevice(String op, Tensor a, Tensor b) {
        if (a.device() != b.device()) {
            throw new IllegalArgumentException(op + ": tensors must be on one device, got " + a.device() + " and " + b.device());
        }
    }

    /** Every non-null tensor must be on the first one's device. */
    static void checkDevices(String op, Tensor first, Tensor... others) {
        for (Tensor t : others) if (t != null) checkDevice(op, first, t);
    }

    /** The broadcast shape of two shapes under PyTorch's rules (align right, sizes equal or 1). */
    static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int k = 0; k < rank; k++) {
            int da = k - (rank - a.length), db = k - (rank - b.length);
            int sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
            if (sa != sb && sa != 1 && sb != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast (dim " + k + ": " + sa + " vs " + sb + ")");
            }
            out[k] = sa == 1 ? sb : sa;
        }
        return out;
    }
}
