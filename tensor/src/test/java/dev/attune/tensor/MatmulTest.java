package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MatmulTest {

    /** The plain definition, for shapes (b, n, k) @ (b, k, m), on dense copies. */
    private static float[] reference(Tensor a, Tensor b) {
        int batch = a.numel() / (a.size(-2) * a.size(-1));
        int n = a.size(-2), k = a.size(-1), m = b.size(-1);
        float[] av = a.toFloatArray(), bv = b.toFloatArray(), out = new float[batch * n * m];
        for (int p = 0; p < batch; p++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) s += av[p * n * k + i * k + q] * bv[p * k * m + q * m + j];
                    out[p * n * m + i * m + j] = (float) s;
                }
        return out;
    }

    @Test
    void smallKnownProduct() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        Check.close(new float[] {58, 64, 139, 154}, a.matmul(b), 0);
    }

    @Test
    void vectorsAndMatrices() {
        Tensor v = Tensor.of(1f, 2f, 3f);
        Tensor m = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Check.shape(v.matmul(v), new int[0]);
        Check.close(new float[] {14}, v.matmul(v), 0);
        Check.close(new float[] {4, 5}, v.matmul(m), 0);
        Check.close(new float[] {1, 0, 1}, m.matmul(Tensor.of(1f, 0f)), 0);
    }

    @Test
    void transposedViewsAndLargerShapesAgreeWithTheDefinition() {
        Generator g = new Generator(3);
        Tensor a = g.randn(70, 33), b = g.randn(45, 33);
        Tensor ab = a.matmul(b.t());                      // B stored transposed: no copy needed
        Check.close(reference(a, b.t().contiguous()), ab, 1e-5);
        Tensor at = g.randn(33, 70);
        Check.close(reference(at.t().contiguous(), b.t().contiguous()), at.t().matmul(b.t()), 1e-5);
    }

    @Test
    void batchDimsBroadcast() {
        Generator g = new Generator(4);
        Tensor a = g.randn(2, 3, 4, 5), w = g.randn(5, 6);
        Tensor y = a.matmul(w);
        Check.shape(y, 2, 3, 4, 6);
        Check.close(reference(a, w.unsqueeze(0).expand(6, 5, 6).contiguous()), y, 1e-5);
        Tensor b = g.randn(3, 5, 2);
        Check.shape(a.matmul(b), 2, 3, 4, 2);
        Check.close(reference(a, b.unsqueeze(0).expand(2, 3, 5, 2).contiguous()), a.matmul(b), 1e-5);
        // A batch view that cannot collapse to one stride goes through a copy.
        Tensor p = g.randn(3, 2, 4, 5).permute(1, 0, 2, 3);
        Check.close(reference(p.contiguous(), b.unsqueeze(0).expand(2, 3, 5, 2).contiguous()), p.matmul(b), 1e-5);
    }

    @Test
    void badShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 2)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("3 vs 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(3, 3, 1)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1f).matmul(Tensor.zeros(2)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(new int[] {1}, 1, 1).matmul(Tensor.zeros(1, 1)));
    }

    @Test
    void emptyInnerDimGivesZeros() {
        Check.close(new float[] {0, 0, 0, 0}, Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 2)), 0);
    }

    @Test
    void gradients() {
        Generator g = new Generator(5);
        Check.grad(in -> in[0].matmul(in[1]), g.randn(3, 4), g.randn(4, 2));
        Check.grad(in -> in[0].matmul(in[1]), g.randn(2, 3, 4), g.randn(4, 2));
        Check.grad(in -> in[0].matmul(in[1].transpose(-1, -2)), g.randn(2, 1, 3, 4), g.randn(3, 2, 4));
        Check.grad(in -> in[0].matmul(in[1]), g.randn(4), g.randn(4, 3));
        Check.grad(in -> in[0].matmul(in[1]), g.randn(4), g.randn(4));
    }
}
