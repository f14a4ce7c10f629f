package dev.attune.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import org.junit.jupiter.api.Test;

/** The caching allocator's bookkeeping on a {@link RecordingDevice}: no GPU needed. */
class CudaAllocatorTest {
    private final RecordingDevice dev = new RecordingDevice();
    private final CudaBackend be = new CudaBackend(dev);
    private final CudaAllocator alloc = dev.allocator();

    @Test
    void closedBlocksAreReusedAndTheCacheGoesBackToTheDriver() {
        Storage a = be.allocate(DType.FLOAT32, 1000);
        assertEquals(new CudaAllocator.Stats(4096, 4096, 0, 1, 0), alloc.stats());
        a.close();
        a.close();  // idempotent
        assertEquals(new CudaAllocator.Stats(0, 4096, 4096, 1, 0), alloc.stats());
        Storage b = be.allocate(DType.INT32, 1024);
        assertEquals(new CudaAllocator.Stats(4096, 4096, 0, 1, 1), alloc.stats(), "the same size class comes from the cache");
        var e = assertThrows(IllegalStateException.class, () -> ((CudaStorage) a).address(0));
        assertTrue(e.getMessage().startsWith("cuda storage of 1000 float32 was closed"), e.getMessage());
        b.close();
        assertEquals(1, dev.blocks.size());
        alloc.emptyCache();
        assertEquals(0, dev.blocks.size(), "emptyCache frees every cached block");
        assertEquals(0, alloc.stats().bytesCached());
    }

    @Test
    void aFailedFirstWriteGivesTheBlockBack() {
        dev.failNextMemset = true;
        var e = assertThrows(CudaException.class, () -> be.allocate(DType.FLOAT32, 256));
        assertTrue(e.getMessage().startsWith("cuMemsetD32Async failed"), e.getMessage());
        var s = alloc.stats();
        assertEquals(0, s.bytesInUse(), "the new storage was closed when its zero-fill failed");
        assertEquals(1024, s.bytesCached());
    }

    @Test
    void outOfMemoryFirstEmptiesTheCacheThenNamesTheNumbers() {
        dev.capacity = 3 << 20;
        Storage a = be.allocate(DType.FLOAT32, 1 << 19);  // 2 MiB
        a.close();
        // 2 MiB cached + 1.25 MiB exceeds the 3 MiB device: the allocator frees its cache and succeeds.
        Storage b = be.allocate(DType.FLOAT32, (5 << 20) / 16);
        assertEquals(0, alloc.stats().bytesCached());
        assertEquals(1, dev.blocks.size());
        var e = assertThrows(CudaOutOfMemoryException.class, () -> be.allocate(DType.FLOAT32, 1 << 20));
        assertEquals("recording-cuda: out of memory allocating 4,194,304 bytes (in use by Attune 1,310,720, peak 2,097,152;"
                + " device free 1,835,008 of 3,145,728)", e.getMessage());
        b.close();
    }
}
