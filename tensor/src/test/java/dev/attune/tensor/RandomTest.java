package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RandomTest {

    @Test
    void sameSeedSameNumbersDifferentSeedDifferent() {
        assertArrayEquals(new Generator(42).randn(100).toFloatArray(), new Generator(42).randn(100).toFloatArray());
        assertFalse(java.util.Arrays.equals(new Generator(42).randn(100).toFloatArray(), new Generator(43).randn(100).toFloatArray()));
        Generator g = new Generator(42);
        float[] first = g.rand(10).toFloatArray(), second = g.rand(10).toFloatArray();
        assertFalse(java.util.Arrays.equals(first, second), "the stream advances");
        assertEquals(20, g.position());
    }

    @Test
    void momentsMatchTheDistributions() {
        Generator g = new Generator(7);
        int n = 200_000;
        Tensor u = g.uniform(-2f, 4f, n), z = g.normal(1f, 3f, n);
        float[] uv = u.toFloatArray();
        for (float v : uv) assertTrue(v >= -2f && v < 4f);
        assertEquals(1.0, u.mean().item(), 0.02);                 // (a+b)/2
        assertEquals(3.0, u.var(0, true, false).item(), 0.03);   // (b-a)^2/12
        assertEquals(1.0, z.mean().item(), 0.03);
        assertEquals(9.0, z.var(0, true, false).item(), 0.1);
        Tensor b = g.bernoulli(0.3f, Device.CPU, n);
        assertEquals(0.3, b.mean().item(), 0.005);
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = new Generator(1).permutation(1000);
        boolean[] seen = new boolean[1000];
        for (int v : p) seen[v] = true;
        for (boolean s : seen) assertTrue(s);
        assertArrayEquals(p, new Generator(1).permutation(1000));
    }

    @Test
    void initialisersUseTorchBoundsAndFans() {
        assertArrayEquals(new int[] {3 * 5, 4 * 5}, Init.fans(new int[] {4, 3, 5}));
        Generator g = new Generator(9);
        float bound = (float) (1 / Math.sqrt(200));              // default Linear(200 -> 300)
        Tensor w = Init.defaultWeight(g, 300, 200);
        assertTrue(w.abs().max().item() <= bound);
        assertTrue(w.abs().max().item() > 0.95 * bound);
        assertEquals(bound * bound / 3, w.var(new int[] {0, 1}, true, false).item(), 0.02 * bound * bound);
        float xb = (float) Math.sqrt(6.0 / 500);
        assertTrue(Init.xavierUniform(g, 1.0, 300, 200).abs().max().item() <= xb);
        assertEquals(2.0 / 500, Init.xavierNormal(g, 1.0, 300, 200).var(new int[] {0, 1}, true, false).item(), 2e-4);
        assertEquals(2.0 / 200, Init.kaimingNormal(g, 0, true, "relu", 300, 200).var(new int[] {0, 1}, true, false).item(), 4e-4);
        float kb = (float) (Math.sqrt(2.0) * Math.sqrt(3.0 / 300));
        assertTrue(Init.kaimingUniform(g, 0, false, "relu", 300, 200).abs().max().item() <= kb);
        assertTrue(Init.defaultBias(g, 200, 300).abs().max().item() <= bound);
        assertThrows(IllegalArgumentException.class, () -> Init.gain("swish", 0));
    }
}
