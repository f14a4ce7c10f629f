package dev.attune.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether CUDA can run here, and the devices it has. The check runs once: it first looks for
 * {@code libcuda.so.1} with the FFM linker (so that a machine without a driver gets a one-line
 * reason instead of JCuda's stack trace), then initialises the driver through JCuda, catching
 * {@link LinkageError} once. Every later use asks {@link #device(int)}, which throws
 * {@link CudaUnavailableException} carrying that reason.
 */
public final class Cuda {
    private static final Method NATIVE_POINTER;

    static {
        try {
            NATIVE_POINTER = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            NATIVE_POINTER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private static final String REASON;
    private static final List<CudaDevice> DEVICES;

    static {
        String reason = null;
        List<CudaDevice> devices = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
        } catch (IllegalArgumentException e) {
            reason = "no CUDA driver: libcuda.so.1 cannot be loaded (" + e.getMessage() + ")";
        }
        if (reason == null) {
            try {
                JCudaDriver.setExceptionsEnabled(false);
                check(JCudaDriver.cuInit(0), "cuInit");
                int[] count = new int[1];
                check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
                if (count[0] == 0) reason = "the CUDA driver reports no device";
                for (int i = 0; i < count[0]; i++) devices.add(new CudaDevice(i));
            } catch (LinkageError e) {
                reason = "the JCuda driver library cannot be loaded: " + e;
            } catch (CudaException e) {
                reason = "the CUDA driver cannot start: " + e.getMessage();
            }
        }
        REASON = reason;
        DEVICES = List.copyOf(devices);
    }

    private Cuda() {}

    /** True when the driver loaded and at least one device exists. */
    public static boolean isAvailable() {
        return REASON == null;
    }

    /** Why CUDA is unavailable, or null when it is available. */
    public static String unavailableReason() {
        return REASON;
    }

    public static int deviceCount() {
        return DEVICES.size();
    }

    /** Device {@code index}, with its context created on first use. */
    public static CudaDevice device(int index) {
        if (REASON != null) throw new CudaUnavailableException("cuda:" + index + " is unavailable: " + REASON);
        if (index < 0 || index >= DEVICES.size()) {
            throw new CudaUnavailableException("cuda:" + index + " does not exist: this machine has " + DEVICES.size()
                    + " CUDA device(s)");
        }
        return DEVICES.get(index);
    }

    /** Throws a {@link CudaException} naming the call and the driver's error when {@code result} is not CUDA_SUCCESS. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
        }
    }

    /**
     * The raw address behind a JCuda pointer object (JCuda keeps it protected); kernels get
     * device pointers as 64-bit values and cuBLAS gets them as FFM addresses.
     */
    static long address(NativePointerObject p) {
        try {
            return (long) NATIVE_POINTER.invoke(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read JCuda's native pointer", e);
        }
    }

    /** Thrown when CUDA is asked for on a machine or build that cannot provide it. */
    public static final class CudaUnavailableException extends RuntimeException {
        public CudaUnavailableException(String message) {
            super(message);
        }
    }
}
