package dev.attune.kernels.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jcuda.Pointer;

/**
 * A {@link CudaDevice} without a driver, for tests that run where no GPU is: device memory is a
 * range of made-up addresses (blocks 256-byte aligned, with a gap between them, so an address past
 * a block's end lies in no block), copies and memsets are checked against those blocks and then
 * dropped, and each kernel launch is recorded with its grid, block, shared memory and arguments.
 * The arguments go through {@link CudaDevice#kernelParams} as on a GPU, so an unsupported
 * argument type fails here too.
 */
final class RecordingDevice extends CudaDevice {
    /** A recorded launch. */
    record Launch(String module, String function, int gridX, int gridY, int gridZ, int block, int sharedBytes, Object[] args) {}

    static final long BASE = 0x7f00_0000_0000L;

    final List<Launch> launches = new ArrayList<>();
    /** Live driver blocks: address to size in bytes. */
    final TreeMap<Long, Long> blocks = new TreeMap<>();
    private final CudaAllocator allocator = new CudaAllocator(this);
    private long next = BASE;
    /** The driver refuses an allocation that would take its total beyond this (simulated out-of-memory). */
    long capacity = Long.MAX_VALUE;
    /** When set, the next memset fails as a failed driver call would. */
    boolean failNextMemset;
    long driverBytes;

    RecordingDevice() {
        super(0);
    }

    @Override
    void makeCurrent() {}

    @Override
    public CudaAllocator allocator() {
        return allocator;
    }

    @Override
    public void synchronize() {}

    @Override
    public long[] memoryInfo() {
        return new long[] {capacity == Long.MAX_VALUE ? 0 : capacity - driverBytes, capacity};
    }

    @Override
    long memAlloc(long bytes) {
        if (driverBytes + bytes > capacity) return 0L;
        long address = next;
        next += (bytes + 255) / 256 * 256 + 256;
        blocks.put(address, bytes);
        driverBytes += bytes;
        return address;
    }

    @Override
    void memFree(long address, long bytes) {
        Long size = blocks.remove(address);
        if (size == null || size != bytes) throw new AssertionError("memFree of " + address + " (" + bytes + " bytes): no such block");
        driverBytes -= bytes;
    }

    /** The live block holding [address, address + bytes), or an AssertionError naming what. */
    Map.Entry<Long, Long> blockOf(long address, long bytes, String what) {
        Map.Entry<Long, Long> b = blocks.floorEntry(address);
        if (b == null || address + bytes > b.getKey() + b.getValue()) {
            throw new AssertionError(what + ": [" + Long.toHexString(address) + ", +" + bytes + ") is outside every device block");
        }
        return b;
    }

    @Override
    void memsetD32(long dst, int value, long count) {
        if (failNextMemset) {
            failNextMemset = false;
            throw new CudaException("cuMemsetD32Async failed: CUDA_ERROR_LAUNCH_FAILED (719)");
        }
        if (count > 0) blockOf(dst, 4 * count, "memsetD32");
    }

    @Override
    void copyToDevice(long dst, Pointer src, long bytes) {
        if (bytes > 0) blockOf(dst, bytes, "copyToDevice");
    }

    @Override
    void copyToHost(Pointer dst, long src, long bytes) {
        if (bytes > 0) blockOf(src, bytes, "copyToHost");
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes == 0) return;
        blockOf(dst, bytes, "copyDeviceToDevice destination");
        blockOf(src, bytes, "copyDeviceToDevice source");
    }

    @Override
    void launchShared(String module, String function, int gridX, int gridY, int gridZ, int block, int sharedBytes, Object... args) {
        if (gridX == 0 || gridY == 0 || gridZ == 0) return;
        CudaDevice.kernelParams(function, args);
        launches.add(new Launch(module, function, gridX, gridY, gridZ, block, sharedBytes, args.clone()));
    }

    @Override
    public String toString() {
        return "recording-cuda";
    }
}
