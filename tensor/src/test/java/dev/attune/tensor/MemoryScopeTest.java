package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** What a MemoryScope releases and keeps; CPU storages are marked closed, so escapes fail here as on a GPU. */
class MemoryScopeTest {
    private static void assertClosed(Tensor t) {
        IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
        assertTrue(e.getMessage().contains("was closed"), e.getMessage());
    }

    @Test
    void releasesWhatItCreatedExceptKeptTensorsAndLeavesOlderStoragesAlone() {
        Tensor outside = Tensor.of(1f, 2f, 3f);
        Tensor dropped, kept, view;
        try (MemoryScope scope = MemoryScope.open()) {
            view = outside.reshape(3, 1);            // a view: shares the outside storage, allocates nothing
            dropped = outside.mul(2f);
            kept = outside.add(1f).mul(view.reshape(3));
            scope.keep(kept, null);
            scope.close();
            assertEquals(2, scope.released(), "outside.mul(2) and outside.add(1)");
        }
        assertClosed(dropped);
        assertArrayEquals(new float[] {2f, 6f, 12f}, kept.toFloatArray());
        assertArrayEquals(new float[] {1f, 2f, 3f}, outside.toFloatArray());
        assertArrayEquals(new float[] {1f, 2f, 3f}, view.toFloatArray());
        assertThrows(IllegalStateException.class, () -> dropped.add(1f), "ops on a released tensor fail too");
    }

    /**
     * Outputs that skip the zero fill (binary, unary, matmul, copies, bias + activation and its gradient) are
     * written in full: computed while the CPU pool holds only NaN-filled arrays of their length, they equal
     * the same ops computed outside any scope.
     */
    @Test
    void outputsOnReusedArraysHoldNoStaleValues() {
        int rows = 128, cols = 256; // 32768 floats: pooled
        Tensor x = Check.randn(1, rows, cols), w = Check.randn(2, cols, cols), b = Check.randn(3, cols), gy = Check.randn(4, rows, cols);
        java.util.function.Supplier<List<float[]>> ops = () -> {
            Tensor xg = x.detach().requiresGrad(true);
            F.biasActivation(xg, b, dev.attune.kernels.UnaryOp.SILU).backward(gy);
            return List.of(x.add(gy).toFloatArray(), x.tanh().toFloatArray(), x.matmul(w).toFloatArray(),
                    x.transpose(0, 1).contiguous().toFloatArray(), F.biasActivation(x, b, dev.attune.kernels.UnaryOp.SILU).toFloatArray(),
                    xg.grad().toFloatArray());
        };
        List<float[]> expected = ops.get();
        try (MemoryScope poison = MemoryScope.open()) {
            for (int i = 0; i < 16; i++) x.mul(Float.NaN);
        }
        List<float[]> actual;
        try (MemoryScope scope = MemoryScope.open()) {
            actual = ops.get();
        }
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), actual.get(i), "output " + i);
    }

    @Test
    void keptStoragesPassToTheEnclosingScope() {
        Tensor inner;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope in = MemoryScope.open()) {
                inner = Tensor.of(4f, 5f).exp();
                in.keep(List.of(inner));
            }
            assertEquals(2, inner.toFloatArray().length, "kept past the inner scope");
        }
        assertClosed(inner);
    }

    @Test
    void copiesToAnotherDeviceAndNewTensorsAreTracked() {
        Device sim = Device.simulated("memory-scope-test");
        Tensor onSim, zeros, ints;
        try (MemoryScope scope = MemoryScope.open()) {
            onSim = Tensor.of(1f, 2f).to(sim);
            zeros = Tensor.zeros(2, 2);
            ints = Tensor.ofInts(new int[] {1, 2}, 2);
        }
        assertClosed(onSim);
        assertClosed(zeros);
        assertThrows(IllegalStateException.class, ints::toIntArray);
    }

    @Test
    void scopesCloseInnermostFirstAndOnTheirOwnThread() throws Exception {
        MemoryScope outer = MemoryScope.open();
        MemoryScope inner = MemoryScope.open();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("inner scope"), e.getMessage());
        CompletableFuture<Void> other = CompletableFuture.runAsync(inner::close);
        ExecutionException ex = assertThrows(ExecutionException.class, other::get);
        assertTrue(ex.getCause().getMessage().contains("belongs to thread"), ex.getCause().getMessage());
        inner.close();
        outer.close();
        inner.close(); // idempotent
        Tensor after = Tensor.of(1f).exp();
        assertEquals((float) Math.E, after.item(), 1e-6f, "no scope is left open on this thread");
        assertThrows(IllegalStateException.class, () -> outer.keep(after));
    }
}
