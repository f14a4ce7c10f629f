package dev.attune.kernels.cuda;

import dev.attune.kernels.Backend;
import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;

/**
 * Device storage: a block of the device's caching allocator. Every dtype uses 4 bytes per
 * element on the device (BOOL is stored as 0/1 ints, as on the CPU). {@link #close()} gives the
 * block back to the allocator at once; using a closed storage is an error.
 */
public final class CudaStorage extends Storage {
    private final CudaBackend backend;
    private final CudaAllocator.Tracker tracker;
    private volatile boolean closed;

    CudaStorage(CudaBackend backend, DType dtype, int size) {
        super(dtype, size);
        this.backend = backend;
        this.tracker = backend.device().allocator().allocate(this, 4L * size);
    }

    @Override
    public Backend backend() {
        return backend;
    }

    /** The device address of element {@code offset}. */
    public long address(int offset) {
        if (closed) throw new IllegalStateException("cuda storage of " + size() + " " + dtype().displayName()
                + " was closed (released by the MemoryScope it was created in, unless kept; or closed directly)");
        return tracker.block.address + 4L * offset;
    }

    /** The kernel operand kind: 0 float, 1 int, 2 bool (see native/src/attune.cuh). */
    int kind() {
        return switch (dtype()) {
            case FLOAT32 -> 0;
            case INT32 -> 1;
            case BOOL -> 2;
        };
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        backend.device().allocator().release(tracker);
    }
}
