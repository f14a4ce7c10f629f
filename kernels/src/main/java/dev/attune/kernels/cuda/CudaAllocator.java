package dev.attune.kernels.cuda;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The caching device allocator (DESIGN decision 8). Requests are rounded up to a size class
 * (multiples of 512 bytes up to 1 MiB, then four classes per power of two), and a released block
 * goes to a per-class free list instead of back to the driver, so a training loop that allocates
 * the same shapes every step stops calling cuMemAlloc after its first step.
 *
 * <p>Release is deterministic: {@link CudaStorage#close()} returns the block at once. A storage
 * dropped without close is returned when the garbage collector finds it unreachable (a phantom
 * reference, drained on the next allocation), so forgetting close costs memory for a while,
 * never correctness. When cuMemAlloc reports out-of-memory the allocator collects garbage, gives
 * its whole cache back to the driver and tries once more before it throws
 * {@link CudaOutOfMemoryException} with the numbers.
 */
public final class CudaAllocator {
    private static final long SMALL_LIMIT = 1L << 20;
    private static final long SMALL_QUANTUM = 512;

    private final CudaDevice device;
    private final TreeMap<Long, ArrayDeque<Block>> free = new TreeMap<>();
    private final ReferenceQueue<CudaStorage> dropped = new ReferenceQueue<>();
    private final Set<Tracker> live = ConcurrentHashMap.newKeySet();
    private long inUse, peak, cached, driverAllocations, cacheHits;

    CudaAllocator(CudaDevice device) {
        this.device = device;
    }

    /** A device buffer of this allocator's memory. */
    static final class Block {
        final long address;
        final long bytes;

        Block(long address, long bytes) {
            this.address = address;
            this.bytes = bytes;
        }
    }

    /** Returns a storage's block when the storage becomes unreachable without close(). */
    static final class Tracker extends PhantomReference<CudaStorage> {
        final Block block;

        Tracker(CudaStorage owner, Block block, ReferenceQueue<CudaStorage> q) {
            super(owner, q);
            this.block = block;
        }
    }

    /** The size class of a request in bytes. */
    static long sizeClass(long bytes) {
        if (bytes <= 0) return SMALL_QUANTUM;
        if (bytes <= SMALL_LIMIT) return (bytes + SMALL_QUANTUM - 1) / SMALL_QUANTUM * SMALL_QUANTUM;
        long pow = Long.highestOneBit(bytes - 1);  // bytes lies in (pow, 2 pow]
        long step = pow / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}, registered for return when {@code owner} is dropped. */
    synchronized Tracker allocate(CudaStorage owner, long bytes) {
        drainDropped();
        long size = sizeClass(bytes);
        ArrayDeque<Block> list = free.get(size);
        Block b;
        if (list != null && !list.isEmpty()) {
            b = list.pop();
            cached -= size;
            cacheHits++;
        } else {
            b = driverAlloc(size);
        }
        inUse += size;
        peak = Math.max(peak, inUse);
        Tracker t = new Tracker(owner, b, dropped);
        live.add(t);
        return t;
    }

    private Block driverAlloc(long size) {
        long address = device.memAlloc(size);
        if (address == 0L) {
            // Storages nobody closed may be waiting for the collector; then give the cache back.
            System.gc();
            try {
                Reference<? extends CudaStorage> ref = dropped.remove(100);
                if (ref != null) release((Tracker) ref);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drainDropped();
            emptyCache();
            address = device.memAlloc(size);
        }
        if (address == 0L) {
            long[] info = device.memoryInfo();
            throw new CudaOutOfMemoryException(String.format(
                    "%s: out of memory allocating %,d bytes (in use by Attune %,d, peak %,d; device free %,d of %,d)",
                    device, size, inUse, peak, info[0], info[1]));
        }
        driverAllocations++;
        return new Block(address, size);
    }

    /** Gives a block back to the cache (close() or a dropped storage). Idempotent per tracker. */
    synchronized void release(Tracker t) {
        if (!live.remove(t)) return;
        t.clear();
        inUse -= t.block.bytes;
        cached += t.block.bytes;
        free.computeIfAbsent(t.block.bytes, k -> new ArrayDeque<>()).push(t.block);
    }

    private void drainDropped() {
        Reference<? extends CudaStorage> ref;
        while ((ref = dropped.poll()) != null) release((Tracker) ref);
    }

    /** Frees every cached block to the driver (after the stream has finished with them). */
    public synchronized void emptyCache() {
        if (cached == 0) return;
        device.synchronize();
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) device.memFree(b.address, b.bytes);
        }
        free.clear();
        cached = 0;
    }

    /** Allocator statistics, in bytes (sizes are size classes, not requested sizes). */
    public record Stats(long bytesInUse, long peakBytesInUse, long bytesCached, long driverAllocations, long cacheHits) {}

    public synchronized Stats stats() {
        drainDropped();
        return new Stats(inUse, peak, cached, driverAllocations, cacheHits);
    }

    /** Restarts the peak from the current use (for measuring one phase). */
    public synchronized void resetPeak() {
        peak = inUse;
    }

    /** Number of cached blocks per size class, for tests and diagnostics. */
    synchronized Map<Long, Integer> cachedBlocks() {
        Map<Long, Integer> out = new HashMap<>();
        free.forEach((k, v) -> out.put(k, v.size()));
        return out;
    }
}
