package dev.attune.kernels.cpu;

import dev.attune.kernels.Parallel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU's caching allocator: float arrays of closed storages (closed by a {@code MemoryScope} at
 * the end of a training step, after every op that read them has returned), kept by length and handed
 * to the next allocation of that length, zeroed unless the caller overwrites all of it. A fresh array costs the JVM a single-threaded memset
 * of memory that is not in cache (about 10 GB/s here, 13 % of a Conformer training step); a training
 * loop allocates the same sizes at every step, and a reused array is zeroed by all threads while it
 * is still in cache. Arrays below {@link #MIN_FLOATS} are left to the JVM (TLAB allocation is cheaper
 * than a lookup); the pool holds at most {@code limitFloats} floats and drops what does not fit.
 */
final class CpuArrayPool {
    /** 64 KiB: smaller arrays come from the thread-local allocation buffer at almost no cost. */
    static final int MIN_FLOATS = 1 << 14;

    private final long limitFloats;
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private long cachedFloats;

    CpuArrayPool(long limitFloats) {
        this.limitFloats = limitFloats;
    }

    /** The default pool: an eighth of the maximum heap. */
    static CpuArrayPool forHeap() {
        return new CpuArrayPool(Runtime.getRuntime().maxMemory() / 4 / 8);
    }

    /**
     * An array of length n: a cached one when there is, else a new one (zero-filled by the JVM). A cached
     * one is zeroed when {@code zeroed}, else it keeps the values of its last use.
     */
    float[] take(int n, boolean zeroed) {
        float[] a = null;
        if (n >= MIN_FLOATS) {
            synchronized (this) {
                ArrayDeque<float[]> q = free.get(n);
                if (q != null && !q.isEmpty()) {
                    a = q.pop();
                    cachedFloats -= n;
                }
            }
        }
        if (a == null) return new float[n];
        if (!zeroed) return a;
        float[] z = a;
        Parallel.forRange(n, CpuBackend.GRAIN, (lo, hi) -> Arrays.fill(z, lo, hi, 0f));
        return z;
    }

    /** Caches the array of a closed storage, unless it is small or the pool is full; the caller must not use it again. */
    synchronized void give(float[] a) {
        if (a.length < MIN_FLOATS || cachedFloats + a.length > limitFloats) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        cachedFloats += a.length;
    }

    /** Floats held for reuse. */
    synchronized long cachedFloats() {
        return cachedFloats;
    }
}
