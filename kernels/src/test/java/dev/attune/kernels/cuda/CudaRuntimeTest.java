package dev.attune.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.DType;
import dev.attune.kernels.cpu.CpuBackend;
import dev.attune.kernels.Storage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The host-side parts of the CUDA runtime (run everywhere), and the allocator on a GPU (tagged cuda). */
class CudaRuntimeTest {

    @Test
    void availabilityIsReportedWithAReason() {
        if (Cuda.isAvailable()) {
            assertTrue(Cuda.deviceCount() > 0);
            assertEquals(null, Cuda.unavailableReason());
        } else {
            String reason = Cuda.unavailableReason();
            System.out.println("[cuda] unavailable here: " + reason);
            assertTrue(reason != null && !reason.isBlank());
            var e = assertThrows(Cuda.CudaUnavailableException.class, () -> Cuda.device(0));
            assertTrue(e.getMessage().startsWith("cuda:0 is unavailable: ") && e.getMessage().contains(reason), e.getMessage());
            assertThrows(Cuda.CudaUnavailableException.class, () -> CudaBackend.forDevice(0));
            assertTrue(Cublas.unavailableReason() != null);
        }
    }

    @Test
    void sizeClassesRoundUpWithBoundedWaste() {
        assertEquals(512, CudaAllocator.sizeClass(1));
        assertEquals(512, CudaAllocator.sizeClass(512));
        assertEquals(1024, CudaAllocator.sizeClass(513));
        assertEquals(1L << 20, CudaAllocator.sizeClass((1L << 20) - 3));
        // Above 1 MiB: four classes per power of two.
        assertEquals((1L << 20) + (1L << 18), CudaAllocator.sizeClass((1L << 20) + 1));
        assertEquals(3L << 29, CudaAllocator.sizeClass((5L << 28) + 7));
        for (long b = 1; b < (1L << 34); b = b * 3 + 1) {
            long c = CudaAllocator.sizeClass(b);
            assertTrue(c >= b && c <= Math.max(512, b * 1.25 + 512), b + " -> " + c);
            assertEquals(c, CudaAllocator.sizeClass(c), "a class maps to itself");
        }
    }

    @Test
    void layoutMergesContiguousDimsAndDropsOnes() {
        // A dense (2, 3, 4) copy is one run of 24.
        int[] l = Layout.of("t", new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {12, 4, 1});
        assertEquals(1, l[0]);
        assertEquals(24, l[1]);
        assertTrue(Layout.isDenseCopy(l));
        // A transposed source keeps two dims; size-1 dims vanish.
        l = Layout.of("t", new int[] {3, 1, 4}, new int[] {1, 99, 3}, new int[] {4, 4, 1});
        assertEquals(2, l[0]);
        assertArrayEquals(new int[] {3, 4}, new int[] {l[1], l[2]});
        assertArrayEquals(new int[] {1, 3}, new int[] {l[1 + Layout.MAX_RANK], l[2 + Layout.MAX_RANK]});
        assertArrayEquals(new int[] {4, 1}, new int[] {l[1 + 2 * Layout.MAX_RANK], l[2 + 2 * Layout.MAX_RANK]});
        assertTrue(!Layout.isDenseCopy(l));
        // A broadcast (stride 0) operand stops merging only where it must.
        l = Layout.of("t", new int[] {5, 2, 3}, new int[] {6, 3, 1}, new int[] {0, 3, 1});
        assertEquals(2, l[0]);
        assertArrayEquals(new int[] {5, 6}, new int[] {l[1], l[2]});
        // Rank 0 is one element.
        l = Layout.of("t", new int[0], new int[0], new int[0]);
        assertEquals(1, l[0]);
        assertEquals(1, l[1]);
        // Too many dims that cannot merge are refused with the op's name.
        int[] shape = new int[9], st = new int[9];
        for (int d = 0; d < 9; d++) {
            shape[d] = 2;
            st[d] = 1 << (2 * (8 - d));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Layout.of("binary", shape, st, st));
        assertTrue(e.getMessage().startsWith("cuda binary: at most 8 dims"), e.getMessage());
    }

    @Test
    @Tag("cuda")
    void allocatorReusesClosedBlocksAndCountsBytes() {
        Assumptions.assumeTrue(Cuda.isAvailable(), () -> "CUDA unavailable: " + Cuda.unavailableReason());
        CudaBackend be = CudaBackend.forDevice(0);
        CudaAllocator alloc = be.device().allocator();
        alloc.emptyCache();
        var before = alloc.stats();
        Storage s = be.allocate(DType.FLOAT32, 1000);
        var during = alloc.stats();
        assertEquals(before.bytesInUse() + 4096, during.bytesInUse());
        assertArrayEquals(new float[1000], be.downloadFloats(s, 0, 1000), "allocate zero-fills");
        s.close();
        s.close();  // idempotent
        var after = alloc.stats();
        assertEquals(before.bytesInUse(), after.bytesInUse());
        assertEquals(4096, after.bytesCached());
        Storage t = be.allocate(DType.INT32, 1024);
        assertEquals(before.cacheHits() + 1, alloc.stats().cacheHits(), "same size class comes from the cache");
        assertThrows(IllegalStateException.class, () -> ((CudaStorage) s).address(0));
        t.close();
        alloc.emptyCache();
        assertEquals(0, alloc.stats().bytesCached());
        long[] info = be.device().memoryInfo();
        var e = assertThrows(CudaOutOfMemoryException.class, () -> be.allocate(DType.FLOAT32, Integer.MAX_VALUE).close());
        assertTrue(e.getMessage().contains("out of memory allocating"), e.getMessage());
        assertTrue(info[1] > 0);
    }

    /** The fused attention's argument checks run on the host, before any device call, so they are tested everywhere. */
    @Test
    void attentionArgumentsAreCheckedWithTheOpTheLimitAndTheActualValue() {
        CpuBackend cpu = CpuBackend.INSTANCE;
        int n = 2, h = 3, tq = 4, tk = 5, d = 129;
        Storage q = cpu.allocate(DType.FLOAT32, n * h * tq * d), k = cpu.allocate(DType.FLOAT32, n * h * tk * d);
        var e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attention", q, k, k, null, null, 1, null, n, h, tq, tk, d, 0f));
        assertEquals("cuda attention: head size d must be at most 128 (the compile-time limit ATT_MAX_D of native/src/attention.cu),"
                + " got d=129", e.getMessage());
        // d = 128 with every operand in place passes, with and without the position term and padding.
        int dm = CudaBackend.ATTENTION_MAX_D;
        Storage q8 = cpu.allocate(DType.FLOAT32, n * h * tq * dm), k8 = cpu.allocate(DType.FLOAT32, n * h * tk * dm);
        Storage pad = cpu.allocate(DType.BOOL, n * tk), pos1 = cpu.allocate(DType.FLOAT32, h * tk * dm);
        CudaBackend.checkAttention("attention", q8, k8, k8, null, null, 1, null, n, h, tq, tk, dm, 0.2f);
        CudaBackend.checkAttention("attention", q8, k8, k8, q8, pos1, 1, pad, n, h, tq, tk, dm, 1f);
        CudaBackend.checkAttention("attention", q8, k8, k8, q8, k8, n, pad, n, h, tq, tk, dm, 0f);

        e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attentionBackward", q8, k8, k8, q8, null, 1, null, n, h, tq, tk, dm, 0f));
        assertEquals("cuda attentionBackward: qPos and pos come together, got qPos set and pos null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attention", q8, k8, k8, q8, k8, 3, null, n, h, tq, tk, dm, 0f));
        assertEquals("cuda attention: pBatch must be 1 or n=2, got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attention", q8, k8, k8, null, null, 1, null, n, h, tq + 1, tk, dm, 0f));
        assertEquals("cuda attention: q must be float32 with at least " + n * h * (tq + 1) * dm + " elements, got float32 with "
                + n * h * tq * dm, e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attention", q8, k8, k8, null, null, 1, k8, n, h, tq, tk, dm, 0f));
        assertEquals("cuda attention: keyPadding must be bool with at least " + n * tk + " elements, got float32 with "
                + n * h * tk * dm, e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attention", q8, k8, k8, null, null, 1, null, n, h, tq, tk, dm, 1.5f));
        assertEquals("cuda attention: dropoutP must be in [0, 1], got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.checkAttention("attention", q8, null, k8, null, null, 1, null, n, h, tq, tk, dm, 0f));
        assertEquals("cuda attention: k is required, got null", e.getMessage());
    }
}
