package dev.attune.kernels;

/**
 * A flat buffer of elements owned by one backend. Tensors are views (shape, strides, offset)
 * over a storage. Device storage is given back to its allocator by {@link #close()},
 * deterministically; CPU storage is reclaimed by the garbage collector and only marked closed.
 * A closed storage may not be read or written.
 */
public abstract class Storage implements AutoCloseable {
    private final DType dtype;
    private final int size;

    protected Storage(DType dtype, int size) {
        this.dtype = dtype;
        this.size = size;
    }

    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int size() {
        return size;
    }

    public abstract Backend backend();

    /** Releases the storage (device memory goes back to its allocator at once). Idempotent. */
    @Override
    public abstract void close();
}
