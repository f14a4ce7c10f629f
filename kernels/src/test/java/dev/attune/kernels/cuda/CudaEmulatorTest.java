package dev.attune.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA emulator's own semantics, with the test kernels of {@code native/emu/emu_selftest.cu}:
 * the tensor-core emulation against a plain product, block reductions through shuffles and
 * barriers, and the errors it must report where a GPU would hang or corrupt memory. (The CUDA
 * kernels themselves are checked on it by the tensor module's conformance suite.)
 */
class CudaEmulatorTest {
    private CudaBackend be;
    private EmulatedCudaDevice dev;

    @BeforeEach
    void openEmulator() {
        Assumptions.assumeTrue(CudaEmulator.isAvailable(), () -> "CUDA emulator unavailable: " + CudaEmulator.unavailableReason());
        be = CudaEmulator.backend();
        dev = (EmulatedCudaDevice) be.device();
    }

    private void launch(String kernel, int grid, int block, int shared, Object... args) {
        dev.launchShared("emu_selftest", kernel, grid, 1, 1, block, shared, args);
    }

    private static long addr(Storage s) {
        return ((CudaStorage) s).address(0);
    }

    @Test
    void tf32RoundingIsToNearestWithTiesAwayFromZero() {
        float[] x = {1f, Float.intBitsToFloat(0x3f801000), Float.intBitsToFloat(0x3f800fff), Float.intBitsToFloat(0xbf801000),
            Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY, 0f};
        // 1 + 2^-11 is half a TF32 ulp above 1: away from zero to 1 + 2^-10; just below half: down to 1;
        // the largest float rounds up to infinity; NaN and infinity pass through.
        int[] want = {0x3f800000, 0x3f802000, 0x3f800000, 0xbf802000, 0x7f800000, 0x7fc00000, 0xff800000, 0};
        try (Storage in = be.upload(x); Storage out = be.allocate(DType.INT32, x.length)) {
            launch("emu_selftest_tf32", 1, 32, 0, addr(in), addr(out), x.length);
            assertArrayEquals(want, be.downloadInts(out, 0, x.length));
        }
    }

    /** TF32 rounding computed with arithmetic on doubles rather than bits: 11 significant bits, ties away from zero. */
    private static double tf32(float v) {
        if (v == 0f) return 0;
        int e = Math.getExponent(v);
        double scaled = Math.scalb((double) v, 10 - e);
        return Math.scalb(Math.signum(scaled) * Math.floor(Math.abs(scaled) + 0.5), e - 10);
    }

    @Test
    void mmaTf32IsTheProductOfTheRoundedTilesWithThePtxFragmentLayout() {
        Random r = new Random(5);
        float[] a = new float[16 * 8], b = new float[8 * 8], c = new float[16 * 8];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < c.length; i++) c[i] = r.nextFloat() * 2 - 1;
        try (Storage da = be.upload(a); Storage db = be.upload(b); Storage dc = be.upload(c);
             Storage dd = be.allocate(DType.FLOAT32, 16 * 8)) {
            launch("emu_selftest_mma", 1, 32, 0, addr(da), addr(db), addr(dc), addr(dd));
            float[] d = be.downloadFloats(dd, 0, 16 * 8);
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 8; j++) {
                    double want = c[i * 8 + j];
                    for (int q = 0; q < 8; q++) want += tf32(a[i * 8 + q]) * tf32(b[q * 8 + j]);
                    assertEquals(want, d[i * 8 + j], 1e-6, "D[" + i + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void blockSumThroughShufflesAndBarriers() {
        int block = 96;
        float[] x = new float[2 * block];
        for (int i = 0; i < x.length; i++) x[i] = i;
        try (Storage in = be.upload(x); Storage out = be.allocate(DType.FLOAT32, 2)) {
            launch("emu_selftest_block_sum", 2, block, 0, addr(in), addr(out));
            assertArrayEquals(new float[] {95 * 96 / 2f, 96 * 96 + 95 * 96 / 2f}, be.downloadFloats(out, 0, 2));
        }
    }

    @Test
    void aBarrierThatHalfTheBlockSkipsIsReportedAsTheHangItIs() {
        try (Storage out = be.allocate(DType.FLOAT32, 64)) {
            var e = assertThrows(CudaException.class, () -> launch("emu_selftest_divergent_barrier", 1, 64, 0, addr(out)));
            assertTrue(e.getMessage().contains("emu_selftest_divergent_barrier") && e.getMessage().contains("hangs: 32 thread(s) wait at"
                    + " __syncthreads, 0 at a warp shuffle, 32 returned"), e.getMessage());
        }
    }

    @Test
    void aShuffleWithLanesThatReturnedIsReported() {
        try (Storage out = be.allocate(DType.FLOAT32, 32)) {
            var e = assertThrows(CudaException.class, () -> launch("emu_selftest_shuffle_after_return", 1, 32, 0, addr(out)));
            assertTrue(e.getMessage().contains("16 at a warp shuffle, 16 returned"), e.getMessage());
        }
    }

    @Test
    void aShuffleInABlockOfPartialWarpsIsReported() {
        try (Storage in = be.upload(new float[48]); Storage out = be.allocate(DType.FLOAT32, 1)) {
            var e = assertThrows(CudaException.class, () -> launch("emu_selftest_block_sum", 1, 48, 0, addr(in), addr(out)));
            assertTrue(e.getMessage().contains("__shfl_xor_sync in a block whose size is not a multiple of 32"), e.getMessage());
        }
    }

    @Test
    void writesPastTheEndOfADeviceBlockAreCaughtByItsGuardBand() {
        long block = dev.memAlloc(40);
        try {
            launch("emu_selftest_write", 1, 32, 0, block, 10);  // exactly fills it
            var e = assertThrows(CudaException.class, () -> launch("emu_selftest_write", 1, 32, 0, block, 11));
            assertTrue(e.getMessage().contains("wrote past the end of the device block at 0x" + Long.toHexString(block) + " of 40 bytes"),
                    e.getMessage());
        } finally {
            dev.memFree(block, 40);
        }
    }

    @Test
    void dynamicSharedMemoryStartsAsNaN() {
        try (Storage out = be.allocate(DType.FLOAT32, 32)) {
            launch("emu_selftest_unset_shared", 1, 32, 128, addr(out));
            for (float v : be.downloadFloats(out, 0, 32)) assertTrue(Float.isNaN(v), "unwritten shared memory reads " + v);
        }
    }

    @Test
    void aMissingBarrierGivesDifferentValuesInEvenAndOddBlocks() {
        int block = 32;
        try (Storage out = be.allocate(DType.FLOAT32, 2 * block)) {
            launch("emu_selftest_race", 2, block, 4 * block, addr(out));
            float[] v = be.downloadFloats(out, 0, 2 * block);
            // Block 0 runs its threads in order: each reads its neighbour's slot before the neighbour wrote it
            // (the last thread wraps to thread 0, which has). Block 1 runs them in reverse: each neighbour has
            // written, except thread 0 for the last thread, which runs first.
            for (int t = 0; t < block - 1; t++) assertTrue(Float.isNaN(v[t]), "block 0, thread " + t + ": " + v[t]);
            assertEquals(0f, v[block - 1]);
            for (int t = 0; t < block - 1; t++) assertEquals(t + 1, v[block + t], "block 1, thread " + t);
            assertTrue(Float.isNaN(v[2 * block - 1]), "block 1, thread " + (block - 1) + ": " + v[2 * block - 1]);
        }
    }

    @Test
    void unknownKernelsAndImpossibleBlocksAreRefused() {
        var e = assertThrows(CudaException.class, () -> dev.launchShared("x", "no_such_kernel", 1, 1, 1, 32, 0));
        assertTrue(e.getMessage().contains("no kernel named no_such_kernel"), e.getMessage());
        try (Storage out = be.allocate(DType.FLOAT32, 1)) {
            var b = assertThrows(CudaException.class, () -> launch("emu_selftest_write", 1, 2048, 0, addr(out), 1));
            assertTrue(b.getMessage().contains("block of 2048 threads (1 to 1024)"), b.getMessage());
        }
    }

    @Test
    void theBackendNamesTheEmulatedDevice() {
        assertEquals("cuda-emulator:0", be.name());
        assertEquals(80, dev.computeCapability());
    }
}
