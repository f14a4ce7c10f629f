package dev.attune.kernels.cpu;

import dev.attune.kernels.Backend;
import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;

/**
 * Heap storage: a {@code float[]} for FLOAT32, an {@code int[]} for INT32 and BOOL, owned by the
 * storage. {@link #close()} marks it closed, so that reading it afterwards fails here as it does on a
 * device (a tensor kept past the scope that released it), and gives a float array to the backend's
 * {@link CpuArrayPool}; otherwise the collector reclaims it.
 */
public final class CpuStorage extends Storage {
    final float[] floats;
    final int[] ints;
    private boolean closed;

    CpuStorage(float[] floats) {
        super(DType.FLOAT32, floats.length);
        this.floats = floats;
        this.ints = null;
    }

    CpuStorage(int[] ints, DType dtype) {
        super(dtype, ints.length);
        if (dtype == DType.FLOAT32) throw new IllegalArgumentException("CpuStorage: int[] given for FLOAT32");
        this.floats = null;
        this.ints = ints;
    }

    @Override
    public Backend backend() {
        return CpuBackend.INSTANCE;
    }

    /** The backing array of a FLOAT32 storage (for kernels in this package and tests). */
    public float[] floats() {
        checkOpen();
        if (floats == null) throw new IllegalStateException("storage holds " + dtype() + ", not float32");
        return floats;
    }

    /** The backing array of an INT32 or BOOL storage. */
    public int[] ints() {
        checkOpen();
        if (ints == null) throw new IllegalStateException("storage holds float32, not integers");
        return ints;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("cpu storage of " + size() + " " + dtype().displayName()
                + " was closed (released by the MemoryScope it was created in, unless kept; or closed directly)");
    }

    /** Marks the storage closed and gives a float array to the backend's pool for reuse (see {@link CpuArrayPool}). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (floats != null) CpuBackend.POOL.give(floats);
    }
}
