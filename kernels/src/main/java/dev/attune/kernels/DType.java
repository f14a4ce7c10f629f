package dev.attune.kernels;

/**
 * Element types. {@code FLOAT32} is the compute type; {@code INT32} holds indices and labels;
 * {@code BOOL} holds masks and comparison results (stored as 0/1 ints).
 */
public enum DType {
    FLOAT32(4), INT32(4), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in files and on the wire. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloating() {
        return this == FLOAT32;
    }

    /** The lower-case PyTorch-style name: float32, int32, bool. */
    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
