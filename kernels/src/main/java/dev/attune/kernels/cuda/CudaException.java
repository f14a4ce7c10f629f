package dev.attune.kernels.cuda;

/** A failed CUDA driver call: the message names the call (and kernel) and the driver's error. */
public class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
