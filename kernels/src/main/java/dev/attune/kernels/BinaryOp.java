package dev.attune.kernels;

/**
 * Elementwise {@code out = f(a, b)} over broadcast operands. Comparisons write BOOL (0/1)
 * into an integer storage; the arithmetic ops write FLOAT32.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN,
    EQ, NE, LT, LE, GT, GE;

    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }
}
