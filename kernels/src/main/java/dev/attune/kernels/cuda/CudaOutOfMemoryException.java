package dev.attune.kernels.cuda;

/** The device could not hold a new buffer even after the allocator gave back its cache. */
public final class CudaOutOfMemoryException extends CudaException {
    public CudaOutOfMemoryException(String message) {
        super(message);
    }
}
