package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.kernels.DType;
import org.junit.jupiter.api.Test;

class ReductionTest {
    private final Tensor x = Tensor.of(new float[] {1, 5, 3, 4, 2, 6}, 2, 3);

    @Test
    void sumAndMeanAlongDims() {
        Check.close(new float[] {21}, x.sum(), 0);
        Check.shape(x.sum(), new int[0]);
        Check.close(new float[] {5, 7, 9}, x.sum(0, false), 0);
        Check.close(new float[] {9, 12}, x.sum(1, false), 0);
        Check.shape(x.sum(1, true), 2, 1);
        Check.shape(x.sum(-1, false), 2);
        Check.close(new float[] {21}, x.sum(new int[] {0, 1}, false), 0);
        Check.close(new float[] {3.5f}, x.mean(), 1e-7);
        Check.close(new float[] {2.5f, 3.5f, 4.5f}, x.mean(0, false), 1e-7);
        Check.shape(x.mean(new int[] {0, 1}, true), 1, 1);
    }

    @Test
    void sumOverADimOfAStridedView() {
        Check.close(new float[] {9, 12}, x.t().sum(0, false), 0);
    }

    @Test
    void varianceIsUnbiasedByDefaultChoice() {
        // Row 0: 1,5,3 -> mean 3, squared deviations 4+4+0 = 8.
        Check.close(new float[] {4f, 4f}, x.var(1, true, false), 1e-6);
        Check.close(new float[] {8f / 3, 8f / 3}, x.var(1, false, false), 1e-6);
        Check.shape(x.var(new int[] {0, 1}, true, true), 1, 1);
    }

    @Test
    void maxMinArgmax() {
        Check.close(new float[] {5, 6}, x.max(1, false), 0);
        Check.close(new float[] {1, 2}, x.min(1, false), 0);
        Check.close(new float[] {4, 5, 6}, x.max(0, false), 0);
        Check.close(new float[] {6}, x.max(), 0);
        Tensor am = x.argmax(1, false);
        assertEquals(DType.INT32, am.dtype());
        assertArrayEquals(new int[] {1, 2}, am.toIntArray());
        assertArrayEquals(new int[] {0, 1}, x.argmin(1, false).toIntArray());
        Check.shape(x.argmax(1, true), 2, 1);
        // Ties resolve to the first index, as in torch.
        assertArrayEquals(new int[] {0}, Tensor.of(new float[] {7, 7, 1}, 1, 3).argmax(1, false).toIntArray());
    }

    @Test
    void nanPropagatesThroughMax() {
        Tensor t = Tensor.of(1f, Float.NaN, 3f);
        assertTrue(Float.isNaN(t.max().item()));
        assertArrayEquals(new int[] {1}, t.reshape(1, 3).argmax(1, false).toIntArray());
    }

    @Test
    void reductionGradients() {
        Tensor a = Check.randn(11, 3, 4, 2);
        Check.grad(in -> in[0].sum(), a);
        Check.grad(in -> in[0].sum(1, false), a);
        Check.grad(in -> in[0].sum(new int[] {0, 2}, true), a);
        Check.grad(in -> in[0].mean(-1, false), a);
        Check.grad(in -> in[0].var(1, true, false), a);
        Check.grad(in -> in[0].var(new int[] {0, 2}, false, true), a);
        Check.grad(in -> in[0].max(1, false), a);
        Check.grad(in -> in[0].min(2, true), a);
    }

    @Test
    void badDimsAreNamed() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.sum(2, false));
        assertTrue(e.getMessage().contains("sum") && e.getMessage().contains("2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.sum(new int[] {1, -1}, false));
    }
}
