package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Checks the oracle of the CUDA attention tests, {@link AttentionReference}, against
 * {@link F#attention} on the CPU with autograd: output and all five input gradients, with and
 * without the position term (pBatch 1 and n), with key padding including a batch whose keys are
 * all padded, and with dropout drawn from a generator that has already advanced (so the mask's
 * stream position is tested too). The reference's lse is the one its probabilities use, so the
 * matching outputs check it as well; fully padded rows are checked for lse = -inf directly.
 */
class AttentionReferenceTest {

    private static float[] data(Tensor t) {
        return t == null ? null : t.toFloatArray();
    }

    private static void check(boolean withPos, int pBatch, boolean padded, float dropoutP) {
        int n = 2, h = 2, tq = 5, tk = 7, d = 3;
        float scale = 0.6f;
        Tensor q = Check.randn(1, n, h, tq, d).requiresGrad(true), k = Check.randn(2, n, h, tk, d).requiresGrad(true);
        Tensor v = Check.randn(3, n, h, tk, d).requiresGrad(true);
        Tensor qPos = withPos ? Check.randn(4, n, h, tq, d).requiresGrad(true) : null;
        Tensor pos = withPos ? Check.randn(5, pBatch, h, tk, d).requiresGrad(true) : null;
        int[] pad = null;
        Tensor padding = null;
        if (padded) {
            pad = new int[n * tk];
            boolean[] bools = new boolean[n * tk];
            for (int j = 0; j < tk; j++) {
                pad[j] = j < 2 || j == 4 ? 1 : 0;  // batch 0: keys 2, 3, 5, 6 visible
                pad[tk + j] = 1;                   // batch 1: every key padded
                bools[j] = pad[j] == 1;
                bools[tk + j] = true;
            }
            padding = Tensor.ofBools(bools, n, tk);
        }
        long seed = 77;
        Generator gen = new Generator(seed);
        gen.rand(13);  // the mask starts at stream position 13
        long counter = gen.position();
        Tensor out = F.attention(q, k, v, qPos, pos, padding, scale, dropoutP, gen);
        Tensor gOut = Check.randn(6, n, h, tq, d);
        out.backward(gOut);

        var pr = new AttentionReference.Problem(n, h, tq, tk, d, data(q), data(k), data(v), data(qPos), data(pos), pBatch, pad,
                scale, dropoutP, seed, counter);
        var fwd = AttentionReference.forward(pr);
        String what = "pos=" + withPos + " pBatch=" + pBatch + " padded=" + padded + " p=" + dropoutP;
        Check.close(fwd.out(), out, 1e-5);
        if (padded) {
            for (int i = h * tq; i < n * h * tq; i++) assertEquals(Float.NEGATIVE_INFINITY, fwd.lse()[i], what + ": lse of a padded row");
        }
        var g = AttentionReference.backward(pr, gOut.toFloatArray());
        Check.close(g.gq(), q.grad(), 1e-5);
        Check.close(g.gk(), k.grad(), 1e-5);
        Check.close(g.gv(), v.grad(), 1e-5);
        if (withPos) {
            Check.close(g.gqPos(), qPos.grad(), 1e-5);
            Check.close(g.gPos(), pos.grad(), 1e-5);
        }
    }

    @Test
    void matchesTheCompositionOutputAndGradients() {
        for (float p : new float[] {0f, 0.2f}) {
            check(false, 1, false, p);
            check(true, 1, true, p);
            check(true, 2, true, p);
            check(true, 2, false, p);
        }
    }
}
