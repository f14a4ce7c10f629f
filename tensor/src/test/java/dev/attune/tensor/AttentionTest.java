package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link F#attention} (the fused kernel) and {@link F#attentionUnfused} (the composition): values
 * against a scalar loop of the stated math, the fused op against the composition (values, all five
 * gradients, dropout), gradient checks, determinism, and argument checks.
 */
class AttentionTest {

    /** The output of {@link AttentionReference} (the contract as double-precision loops), without dropout. */
    private static float[] reference(Tensor q, Tensor k, Tensor v, Tensor qPos, Tensor pos, boolean[] pad, float scale) {
        int[] padded = null;
        if (pad != null) {
            padded = new int[pad.length];
            for (int j = 0; j < pad.length; j++) padded[j] = pad[j] ? 1 : 0;
        }
        var problem = new AttentionReference.Problem(q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), q.toFloatArray(),
                k.toFloatArray(), v.toFloatArray(), qPos == null ? null : qPos.toFloatArray(), pos == null ? null : pos.toFloatArray(),
                pos == null ? 1 : pos.size(0), padded, scale, 0f, 0L, 0L);
        return AttentionReference.forward(problem).out();
    }

    @Test
    void matchesTheLoopWithPositionTermAndPadding() {
        int n = 2, h = 3, tq = 5, tk = 7, d = 4;
        Tensor q = Check.randn(1, n, h, tq, d), k = Check.randn(2, n, h, tk, d), v = Check.randn(3, n, h, tk, d);
        Tensor qp = Check.randn(4, n, h, tq, d), p = Check.randn(5, 1, h, tk, d);
        boolean[] pad = new boolean[n * tk];
        pad[tk - 1] = pad[tk - 2] = true;                  // utterance 0 is two keys shorter
        for (int j = 0; j < tk; j++) pad[tk + j] = true;   // utterance 1 has no keys at all
        Tensor padding = Tensor.ofBools(pad, n, tk);
        float scale = 0.5f;
        Tensor out = F.attention(q, k, v, qp, p, padding, scale, 0f, null);
        Check.close(reference(q, k, v, qp, p, pad, scale), out, 1e-5);
        Check.close(reference(q, k, v, qp, p, pad, scale), F.attentionUnfused(q, k, v, qp, p, padding, scale, 0f, null), 1e-5);
        Tensor plain = F.attention(q, k, v, null, null, null, scale, 0f, null);
        Check.close(reference(q, k, v, null, null, null, scale), plain, 1e-5);
    }

    /** One attention call over the five float inputs (qPos and pos may be null). */
    private interface Attention {
        Tensor apply(Tensor q, Tensor k, Tensor v, Tensor qPos, Tensor pos);
    }

    /** The output and the gradients of sum(w * out) for each input (null where the input is null), as flat arrays. */
    private static float[][] run(Attention f, Tensor... inputs) {
        Tensor[] leaves = new Tensor[5];
        for (int i = 0; i < 5; i++) leaves[i] = inputs[i] == null ? null : inputs[i].detach().copy().requiresGrad(true);
        Tensor out = f.apply(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4]);
        out.mul(new Generator(99).uniform(-1f, 1f, out.shape())).sum().backward();
        float[][] r = new float[6][];
        r[0] = out.toFloatArray();
        for (int i = 0; i < 5; i++) r[i + 1] = leaves[i] == null ? null : leaves[i].grad().toFloatArray();
        return r;
    }

    private static final String[] NAMES = {"out", "gq", "gk", "gv", "gqPos", "gPos"};

    private static void sameWithin(float[][] expected, float[][] actual, double tol) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) continue;
            float[] e = expected[i], a = actual[i];
            assertEquals(e.length, a.length, NAMES[i]);
            for (int j = 0; j < e.length; j++) {
                assertTrue(Math.abs(e[j] - a[j]) <= tol * (1 + Math.abs(e[j])),
                        NAMES[i] + "[" + j + "]: composition " + e[j] + ", fused " + a[j]);
            }
        }
    }

    /**
     * The fused op against the composition: values and the five gradients, for sizes that leave
     * vector tails and partial blocks, no position term or one shared by the batch (pBatch 1) or
     * per utterance (pBatch N), and padding that leaves one utterance with no keys at all.
     */
    @Test
    void fusedMatchesTheCompositionWithGradients() {
        int n = 3, h = 2, tq = 5, tk = 7, d = 3;
        boolean[] pad = new boolean[n * tk];
        pad[tk - 1] = true;                                // utterance 0: one padded key
        for (int j = 0; j < tk; j++) pad[tk + j] = true;   // utterance 1: every key padded
        Tensor padding = Tensor.ofBools(pad, n, tk);
        for (int pBatch : new int[] {0, 1, n}) {
            for (Tensor mask : new Tensor[] {null, padding}) {
                Tensor[] in = {Check.randn(1, n, h, tq, d), Check.randn(2, n, h, tk, d), Check.randn(3, n, h, tk, d),
                        pBatch == 0 ? null : Check.randn(4, n, h, tq, d), pBatch == 0 ? null : Check.randn(5, pBatch, h, tk, d)};
                float[][] want = run((q, k, v, qp, p) -> F.attentionUnfused(q, k, v, qp, p, mask, 0.6f, 0f, null), in);
                float[][] got = run((q, k, v, qp, p) -> F.attention(q, k, v, qp, p, mask, 0.6f, 0f, null), in);
                sameWithin(want, got, 1e-5);
                if (mask != null) {
                    // The utterance without keys: zero output and zero gradients for its queries.
                    for (int e = h * tq * d; e < 2 * h * tq * d; e++) assertEquals(0f, got[0][e], "out of the empty utterance");
                    for (int e = h * tq * d; e < 2 * h * tq * d; e++) assertEquals(0f, got[1][e], "gq of the empty utterance");
                }
            }
        }
    }

    /**
     * Several row and key blocks, vector tails, and enough heads for every thread; d = 20 takes the
     * CPU forward's transposed output accumulator, d = 64 the one in the output itself.
     */
    @ParameterizedTest
    @ValueSource(ints = {20, 64})
    void fusedMatchesTheCompositionAcrossBlocks(int d) {
        int n = 2, h = 3, tq = 131, tk = 150;
        boolean[] pad = new boolean[n * tk];
        for (int j = 97; j < tk; j++) pad[tk + j] = true;   // utterance 1 is 97 frames long
        Tensor padding = Tensor.ofBools(pad, n, tk);
        Tensor[] in = {Check.randn(1, n, h, tq, d), Check.randn(2, n, h, tk, d), Check.randn(3, n, h, tk, d),
                Check.randn(4, n, h, tq, d), Check.randn(5, 1, h, tk, d)};
        float scale = (float) (1 / Math.sqrt(d));
        float[][] want = run((q, k, v, qp, p) -> F.attentionUnfused(q, k, v, qp, p, padding, scale, 0f, null), in);
        float[][] got = run((q, k, v, qp, p) -> F.attention(q, k, v, qp, p, padding, scale, 0f, null), in);
        sameWithin(want, got, 2e-5);
    }

    /** With the same generator seed the fused dropout keeps exactly the composition's elements, and both advance it alike. */
    @Test
    void dropoutEqualsTheCompositionForTheSameSeed() {
        int n = 2, h = 2, tq = 9, tk = 70, d = 5;
        Tensor padding = Tensor.ofBools(new boolean[n * tk], n, tk);
        Tensor[] in = {Check.randn(1, n, h, tq, d), Check.randn(2, n, h, tk, d), Check.randn(3, n, h, tk, d),
                Check.randn(4, n, h, tq, d), Check.randn(5, n, h, tk, d)};
        Generator gu = new Generator(21), gf = new Generator(21);
        gu.randn(3);
        gf.randn(3);   // start both mid-stream
        float[][] want = run((q, k, v, qp, p) -> F.attentionUnfused(q, k, v, qp, p, padding, 0.4f, 0.3f, gu), in);
        float[][] got = run((q, k, v, qp, p) -> F.attention(q, k, v, qp, p, padding, 0.4f, 0.3f, gf), in);
        sameWithin(want, got, 1e-5);
        assertEquals(gu.position(), gf.position(), "generator positions after the call");
        float[][] none = run((q, k, v, qp, p) -> F.attention(q, k, v, qp, p, padding, 0.4f, 0f, null), in);
        assertNotEquals(none[0][0], got[0][0], "dropout changed nothing");
    }

    @Test
    void gradientsWithDropoutAndPositionsSharedByTheBatch() {
        int n = 2, h = 1, tq = 3, tk = 5, d = 2;
        Tensor padding = Tensor.ofBools(new boolean[] {false, false, false, false, true, false, false, false, false, false}, n, tk);
        // A fresh generator per call: every evaluation draws the same mask.
        Check.grad(in -> F.attention(in[0], in[1], in[2], in[3], in[4], padding, 0.9f, 0.25f, new Generator(8)),
                Check.randn(11, n, h, tq, d), Check.randn(12, n, h, tk, d), Check.randn(13, n, h, tk, d),
                Check.randn(14, n, h, tq, d), Check.randn(15, 1, h, tk, d));
    }

    @Test
    void sameResultTwice() {
        int n = 2, h = 2, tq = 70, tk = 66, d = 9;
        Tensor[] in = {Check.randn(1, n, h, tq, d), Check.randn(2, n, h, tk, d), Check.randn(3, n, h, tk, d),
                Check.randn(4, n, h, tq, d), Check.randn(5, 1, h, tk, d)};
        Function<Integer, float[][]> once = seed -> run((q, k, v, qp, p) -> F.attention(q, k, v, qp, p, null, 0.3f, 0.1f,
                new Generator(seed)), in);
        float[][] a = once.apply(3), b = once.apply(3);
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], NAMES[i]);
    }

    @Test
    void gradientsOfEveryInput() {
        int n = 2, h = 2, tq = 3, tk = 4, d = 3;
        Tensor padding = Tensor.ofBools(new boolean[] {false, false, false, true, false, false, false, false}, n, tk);
        Check.grad(in -> F.attention(in[0], in[1], in[2], in[3], in[4], padding, 0.7f, 0f, null),
                Check.randn(11, n, h, tq, d), Check.randn(12, n, h, tk, d), Check.randn(13, n, h, tk, d),
                Check.randn(14, n, h, tq, d), Check.randn(15, n, h, tk, d));
    }

    @Test
    void dropoutOneZeroesTheOutputAndZeroKeepsIt() {
        Tensor q = Check.randn(1, 1, 1, 2, 2), k = Check.randn(2, 1, 1, 3, 2), v = Check.randn(3, 1, 1, 3, 2);
        Check.close(new float[4], F.attention(q, k, v, null, null, null, 1f, 1f, new Generator(7)), 0);
        Check.close(F.attention(q, k, v, null, null, null, 1f, 0f, null).toFloatArray(),
                F.attention(q, k, v, null, null, null, 1f, 0f, new Generator(7)), 0);
    }

    @Test
    void badShapesNameTheOpAndTheShapes() {
        Tensor q = Check.randn(1, 1, 2, 3, 4), k = Check.randn(2, 1, 2, 5, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.attention(q, k, Check.randn(3, 1, 2, 5, 3), null, null, null, 1f, 0f, null));
        assertTrue(e.getMessage().startsWith("attention:") && e.getMessage().contains("[1, 2, 5, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> F.attention(q, k, k, q, null, null, 1f, 0f, null));
        assertTrue(e.getMessage().contains("qPos and pos come together"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> F.attention(q, k, k, null, null, Tensor.ofBools(new boolean[4], 1, 4), 1f, 0f, null));
        assertTrue(e.getMessage().contains("keyPadding must be bool (1, 5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.attention(q, k, k, null, null, null, 1f, 0.5f, null));
        assertTrue(e.getMessage().contains("needs a generator"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.attentionUnfused(q, k, k, null, null, null, 1f, 1.5f, null));
        assertTrue(e.getMessage().contains("dropoutP must be in [0, 1], got 1.5"), e.getMessage());
    }
}
