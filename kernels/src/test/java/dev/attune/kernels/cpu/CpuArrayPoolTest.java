package dev.attune.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The CPU's caching allocator: closed arrays come back zeroed for the same length, within a bound. */
class CpuArrayPoolTest {
    private static final int N = CpuArrayPool.MIN_FLOATS + 3;

    @Test
    void aGivenArrayComesBackZeroedForTheSameLengthOnly() {
        CpuArrayPool pool = new CpuArrayPool(10L * N);
        float[] a = pool.take(N, true);
        Arrays.fill(a, 7f);
        pool.give(a);
        assertEquals(N, pool.cachedFloats());
        assertNotSame(a, pool.take(N + 1, true), "another length is a new array");
        float[] b = pool.take(N, true);
        assertSame(a, b);
        assertArrayEquals(new float[N], b, "zeroed on reuse");
        assertEquals(0, pool.cachedFloats());
    }

    @Test
    void anArrayTakenForOverwriteIsReusedAsItWas() {
        CpuArrayPool pool = new CpuArrayPool(10L * N);
        assertArrayEquals(new float[N], pool.take(N, false), "a new array is the JVM's, zeroed");
        float[] a = pool.take(N, true);
        Arrays.fill(a, 7f);
        pool.give(a);
        float[] b = pool.take(N, false);
        assertSame(a, b);
        assertEquals(7f, b[N - 1], "not zeroed");
    }

    @Test
    void smallArraysAndArraysBeyondTheLimitAreNotKept() {
        CpuArrayPool pool = new CpuArrayPool(N + 10L);
        pool.give(new float[CpuArrayPool.MIN_FLOATS - 1]);
        assertEquals(0, pool.cachedFloats());
        pool.give(new float[N]);
        pool.give(new float[N]);
        assertEquals(N, pool.cachedFloats(), "the second does not fit");
    }

    @Test
    void theBackendReusesTheArrayOfAClosedStorage() {
        CpuBackend be = CpuBackend.INSTANCE;
        Storage s = be.allocate(DType.FLOAT32, N);
        float[] first = ((CpuStorage) s).floats();
        be.fill(s, 0, N, 3f);
        s.close();
        assertThrows(IllegalStateException.class, () -> be.downloadFloats(s, 0, 1));
        Storage t = be.allocate(DType.FLOAT32, N);
        assertSame(first, ((CpuStorage) t).floats(), "the same length takes the closed storage's array");
        assertArrayEquals(new float[N], be.downloadFloats(t, 0, N));
    }
}
