package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class ViewTest {
    private final Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2);

    @Test
    void reshapeAndViewShareStorageWhenContiguous() {
        Tensor r = x.reshape(3, -1);
        Check.shape(r, 3, 4);
        assertSame(x.storage, r.storage);
        Check.close(x.toFloatArray(), r, 0);
        assertThrows(IllegalArgumentException.class, () -> x.reshape(5, -1));
        assertThrows(IllegalArgumentException.class, () -> x.reshape(-1, -1));
        assertThrows(IllegalStateException.class, () -> x.transpose(0, 2).view(12));
        Check.close(new float[] {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}, x.permute(2, 0, 1).reshape(12), 0);
        Check.shape(x.flatten(0, 1), 6, 2);
    }

    @Test
    void permuteTransposeAndStrides() {
        Tensor p = x.permute(2, 0, 1);
        Check.shape(p, 2, 2, 3);
        assertArrayEquals(new int[] {1, 6, 2}, p.strides());
        assertFalse(p.isContiguous());
        assertEquals(7f, p.get(1, 1, 0));
        Tensor c = p.contiguous();
        assertTrue(c.isContiguous());
        assertEquals(7f, c.get(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 0, 1));
        Check.close(new float[] {0, 3, 1, 4, 2, 5}, Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3).t(), 0);
    }

    @Test
    void narrowSliceSelect() {
        Tensor n = x.narrow(1, 1, 2);
        Check.shape(n, 2, 2, 2);
        Check.close(new float[] {2, 3, 4, 5, 8, 9, 10, 11}, n, 0);
        Check.close(new float[] {4, 5, 10, 11}, x.slice(1, -1, 3), 0);
        Check.close(new float[] {6, 7, 8, 9, 10, 11}, x.select(0, 1), 0);
        Check.close(new float[] {1, 3, 5, 7, 9, 11}, x.select(-1, -1), 0);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 2));
        assertTrue(e.getMessage().contains("narrow"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.select(0, 2));
    }

    @Test
    void expandUnsqueezeSqueeze() {
        Tensor col = Tensor.of(new float[] {1, 2}, 2, 1);
        Tensor e = col.expand(3, 2, 4);
        Check.shape(e, 3, 2, 4);
        assertArrayEquals(new int[] {0, 1, 0}, e.strides());
        assertEquals(2f, e.get(2, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> col.expand(3, 3));
        Check.shape(x.unsqueeze(0), 1, 2, 3, 2);
        Check.shape(x.unsqueeze(-1), 2, 3, 2, 1);
        Check.shape(x.unsqueeze(3).squeeze(3), 2, 3, 2);
        Check.shape(Tensor.zeros(1, 3, 1).squeeze(), 3);
        Check.shape(x.squeeze(0), 2, 3, 2);
    }

    @Test
    void catStackSplitChunk() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), b = Tensor.of(new float[] {5, 6}, 1, 2);
        Check.close(new float[] {1, 2, 3, 4, 5, 6}, Tensor.cat(0, a, b), 0);
        Check.shape(Tensor.cat(1, a, a), 2, 4);
        Check.close(new float[] {1, 2, 1, 2, 3, 4, 3, 4}, Tensor.cat(1, a, a), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(1, a, b));
        assertTrue(e.getMessage().contains("cat"), e.getMessage());
        Tensor s = Tensor.stack(1, a, a.mul(10f));
        Check.shape(s, 2, 2, 2);
        Check.close(new float[] {1, 2, 10, 20, 3, 4, 30, 40}, s, 0);
        Tensor[] parts = Tensor.of(new float[] {0, 1, 2, 3, 4}, 5).split(2, 0);
        assertEquals(3, parts.length);
        Check.close(new float[] {4}, parts[2], 0);
        Tensor[] chunks = x.chunk(2, 1);
        assertEquals(2, chunks.length);
        Check.shape(chunks[0], 2, 2, 2);
        Check.shape(chunks[1], 2, 1, 2);
    }

    @Test
    void padAndFlip() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor p = a.pad(new int[] {1, 0, 0, 1}, -1f);
        Check.shape(p, 3, 3);
        Check.close(new float[] {-1, 1, 2, -1, 3, 4, -1, -1, -1}, p, 0);
        Check.close(new float[] {2, 1, 4, 3}, a.flip(1), 0);
        Check.close(new float[] {4, 3, 2, 1}, a.flip(0, 1), 0);
        assertThrows(IllegalArgumentException.class, () -> a.pad(new int[] {-1, 0}, 0f));
    }

    @Test
    void viewGradients() {
        Tensor t = Check.randn(3, 2, 3, 4);
        Check.grad(in -> in[0].reshape(6, 4), t);
        Check.grad(in -> in[0].permute(2, 0, 1).contiguous(), t);
        Check.grad(in -> in[0].transpose(0, 2).mul(in[0].transpose(0, 2)), t);
        Check.grad(in -> in[0].narrow(2, 1, 2), t);
        Check.grad(in -> in[0].select(1, 2), t);
        Check.grad(in -> in[0].narrow(2, 0, 1).expand(2, 3, 5), t);
        Check.grad(in -> in[0].unsqueeze(1).squeeze(1), t);
        Check.grad(in -> in[0].flip(0, 2), t);
        Check.grad(in -> in[0].pad(new int[] {1, 2, 0, 1}, 3f), t);
        Check.grad(in -> Tensor.cat(1, in[0], in[1]), t, Check.randn(4, 2, 1, 4));
        Check.grad(in -> Tensor.stack(0, in[0], in[1]), t, Check.randn(5, 2, 3, 4));
        Check.grad(in -> in[0].chunk(2, 2)[1], t);
    }

    @Test
    void indexSelectGatherScatter() {
        Tensor w = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 3, 2);
        Tensor idx = Tensor.ofInts(new int[] {2, 0, 2}, 3);
        Check.close(new float[] {20, 21, 0, 1, 20, 21}, w.indexSelect(0, idx), 0);
        Check.close(new float[] {1, 0, 1, 11, 10, 11, 21, 20, 21}, w.indexSelect(1, Tensor.ofInts(new int[] {1, 0, 1}, 3)), 0);
        Tensor g = w.gather(1, Tensor.ofInts(new int[] {1, 0, 0}, 3, 1));
        Check.close(new float[] {1, 10, 20}, g, 0);
        Tensor sa = Tensor.zeros(2, 3).scatterAdd(1, Tensor.ofInts(new int[] {0, 0, 2, 1}, 2, 2), Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        Check.close(new float[] {3, 0, 0, 0, 4, 3}, sa, 0);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> w.indexSelect(0, Tensor.ofInts(new int[] {3}, 1)));
        assertTrue(e.getMessage().contains("indexSelect") && e.getMessage().contains("3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.indexSelect(0, Tensor.of(1f)));
        Check.grad(in -> in[0].indexSelect(0, idx), w);
        Check.grad(in -> in[0].gather(1, Tensor.ofInts(new int[] {1, 0, 1, 1, 0, 0}, 3, 2)), w);
        Check.grad(in -> in[0].scatterAdd(0, Tensor.ofInts(new int[] {2, 0, 1, 2}, 2, 2), in[1]), w, Check.randn(6, 2, 2));
    }
}
