package dev.attune.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The CUDA backend's kernels run on the CPU: {@code native/build-emulator.sh} compiles every
 * {@code native/src/*.cu} with g++ against {@code native/emu/cuda_emu.h} into
 * {@code libattune_cuda_emu.so}, and {@link #backend()} is a {@link CudaBackend} whose device
 * executes each launch there, block by block, every CUDA thread a fiber that yields at
 * {@code __syncthreads} and warp shuffles. The same {@link CudaBackend} code, the same launch
 * arguments and the same kernel source run as on a GPU, so the conformance suite can check the
 * kernels' arithmetic and indexing where no GPU is. It also reports what a GPU would only show as
 * garbage or a hang: a barrier that not every thread reaches, and writes outside a device block
 * (each block has guard bands, checked after every launch). It says nothing about speed, about
 * races between blocks (they run one after another), or about the driver and JCuda.
 */
public final class CudaEmulator {
    private static final String LIBRARY = "/dev/attune/native/libattune_cuda_emu.so";
    private static final int ERROR_BYTES = 512;

    private static final String REASON;
    private static final MethodHandle LAUNCH, ALLOC, FREE;
    private static volatile CudaBackend backend;

    static {
        String reason = null;
        MethodHandle launch = null, alloc = null, free = null;
        try {
            Path lib = extract();
            if (lib == null) {
                reason = "the CUDA emulator was not built: " + LIBRARY.substring(1) + " is not on the class path (native/ was built"
                        + " without g++)";
            } else {
                Linker linker = Linker.nativeLinker();
                SymbolLookup symbols = SymbolLookup.libraryLookup(lib, Arena.global());
                launch = linker.downcallHandle(symbols.findOrThrow("attune_emu_launch"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                alloc = linker.downcallHandle(symbols.findOrThrow("attune_emu_alloc"),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                free = linker.downcallHandle(symbols.findOrThrow("attune_emu_free"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            }
        } catch (IOException | RuntimeException e) {
            reason = "the CUDA emulator library cannot be loaded: " + e;
        }
        REASON = reason;
        LAUNCH = launch;
        ALLOC = alloc;
        FREE = free;
    }

    private CudaEmulator() {}

    /** The library copied out of the class path into a temporary file (the dynamic loader needs a path), or null. */
    private static Path extract() throws IOException {
        try (InputStream in = CudaEmulator.class.getResourceAsStream(LIBRARY)) {
            if (in == null) return null;
            Path file = Files.createTempFile("libattune_cuda_emu", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    /** True when the emulator library was built and loads. */
    public static boolean isAvailable() {
        return REASON == null;
    }

    /** Why the emulator cannot run here, or null when it can. */
    public static String unavailableReason() {
        return REASON;
    }

    /**
     * The CUDA backend over the emulated device (one per process).
     *
     * @throws Cuda.CudaUnavailableException naming why when the emulator cannot run here
     */
    public static CudaBackend backend() {
        if (REASON != null) throw new Cuda.CudaUnavailableException("the CUDA emulator is unavailable: " + REASON);
        CudaBackend b = backend;
        if (b == null) {
            synchronized (CudaEmulator.class) {
                if (backend == null) backend = new CudaBackend(new EmulatedCudaDevice());
                b = backend;
            }
        }
        return b;
    }

    /** Runs a kernel; {@code params} as cuLaunchKernel's kernelParams. */
    static void launch(String function, int gridX, int gridY, int gridZ, int block, int sharedBytes, MemorySegment params) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = arena.allocate(ERROR_BYTES);
            int rc = (int) LAUNCH.invokeExact(arena.allocateFrom(function), gridX, gridY, gridZ, block, sharedBytes, params, error,
                    ERROR_BYTES);
            if (rc != 0) {
                throw new CudaException("emulated launch " + function + " (grid " + gridX + "x" + gridY + "x" + gridZ + ", block "
                        + block + ") failed: " + error.getString(0));
            }
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("emulated launch " + function + " failed", t);
        }
    }

    /** A device block of {@code bytes} (NaN-filled, between guard bands); 0 when the host is out of memory. */
    static long alloc(long bytes) {
        try {
            return (long) ALLOC.invokeExact(bytes);
        } catch (Throwable t) {
            throw new CudaException("emulated cuMemAlloc(" + bytes + " bytes) failed", t);
        }
    }

    static void free(long address, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = arena.allocate(ERROR_BYTES);
            int rc = (int) FREE.invokeExact(address, error, ERROR_BYTES);
            if (rc != 0) throw new CudaException("emulated cuMemFree(" + bytes + " bytes) failed: " + error.getString(0));
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("emulated cuMemFree(" + bytes + " bytes) failed", t);
        }
    }
}
