package dev.attune.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.Buffer;
import jcuda.Pointer;

/**
 * The device of {@link CudaEmulator}: the driver calls of {@link CudaDevice} done in host memory.
 * Device addresses are host addresses of blocks that the emulator library allocates; copies and
 * memsets are FFM copies; a launch hands the emulator the same kernelParams array cuLaunchKernel
 * gets (one pointer per argument, to its value). Everything runs synchronously on the calling
 * thread, so {@link #synchronize()} has nothing to wait for.
 */
final class EmulatedCudaDevice extends CudaDevice {
    /** The memory the emulated device reports; an allocation beyond it is out of memory, as on a GPU. */
    private static final long CAPACITY = 16L << 30;
    private static final Field POINTER_BUFFER;

    static {
        try {
            POINTER_BUFFER = Pointer.class.getDeclaredField("buffer");
            POINTER_BUFFER.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CudaAllocator allocator = new CudaAllocator(this);
    private long driverBytes;

    EmulatedCudaDevice() {
        super(0);
    }

    @Override
    void makeCurrent() {}

    @Override
    public String name() {
        return "CUDA emulator (the kernels compiled for this CPU)";
    }

    /** 8.0: the kernels' sm_80 paths (the TF32 GEMM) are compiled in and emulated. */
    @Override
    public int computeCapability() {
        return 80;
    }

    @Override
    public CudaAllocator allocator() {
        return allocator;
    }

    @Override
    public void synchronize() {}

    @Override
    public synchronized long[] memoryInfo() {
        return new long[] {CAPACITY - driverBytes, CAPACITY};
    }

    /** Host milliseconds of {@code work}: the emulator has no device clock. */
    @Override
    public float time(Runnable work) {
        long t0 = System.nanoTime();
        work.run();
        return (System.nanoTime() - t0) / 1e6f;
    }

    @Override
    long streamHandle() {
        throw new CudaException("the CUDA emulator has no stream for cuBLAS: cuBLAS needs a GPU");
    }

    @Override
    synchronized long memAlloc(long bytes) {
        if (driverBytes + bytes > CAPACITY) return 0L;
        long address = CudaEmulator.alloc(bytes);
        if (address != 0L) driverBytes += bytes;
        return address;
    }

    @Override
    synchronized void memFree(long address, long bytes) {
        CudaEmulator.free(address, bytes);
        driverBytes -= bytes;
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    /** The Java array behind a JCuda pointer made by Pointer.to(float[]) or Pointer.to(int[]), as a heap segment. */
    private static MemorySegment host(Pointer p) {
        try {
            return MemorySegment.ofBuffer((Buffer) POINTER_BUFFER.get(p));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read the array behind a JCuda pointer", e);
        }
    }

    @Override
    void memsetD32(long dst, int value, long count) {
        MemorySegment d = at(dst, 4 * count);
        for (long i = 0; i < count; i++) d.setAtIndex(ValueLayout.JAVA_INT, i, value);
    }

    @Override
    void copyToDevice(long dst, Pointer src, long bytes) {
        if (bytes > 0) MemorySegment.copy(host(src), 0, at(dst, bytes), 0, bytes);
    }

    @Override
    void copyToHost(Pointer dst, long src, long bytes) {
        if (bytes > 0) MemorySegment.copy(at(src, bytes), 0, host(dst), 0, bytes);
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes > 0) MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes);
    }

    /**
     * Runs the kernel in the emulator. The arguments are checked as for a GPU launch, then laid out as
     * cuLaunchKernel's kernelParams: Integer and Float as 4 bytes, Long and null as 8, int[] (a struct
     * passed by value) as its ints.
     */
    @Override
    void launchShared(String module, String function, int gridX, int gridY, int gridZ, int block, int sharedBytes, Object... args) {
        if (gridX == 0 || gridY == 0 || gridZ == 0) return;
        CudaDevice.kernelParams(function, args);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment value = switch (args[i]) {
                    case null -> arena.allocateFrom(ValueLayout.JAVA_LONG, 0L);
                    case Integer v -> arena.allocateFrom(ValueLayout.JAVA_INT, v);
                    case Float v -> arena.allocateFrom(ValueLayout.JAVA_FLOAT, v);
                    case Long v -> arena.allocateFrom(ValueLayout.JAVA_LONG, v);
                    case int[] v -> arena.allocateFrom(ValueLayout.JAVA_INT, v);
                    default -> throw new IllegalStateException("unreachable: kernelParams checked the argument types");
                };
                params.setAtIndex(ValueLayout.ADDRESS, i, value);
            }
            CudaEmulator.launch(function, gridX, gridY, gridZ, block, sharedBytes, params);
        }
    }

    @Override
    public String toString() {
        return "cuda-emulator:0";
    }
}
