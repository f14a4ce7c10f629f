package dev.attune.nn.las;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Guided attention loss: hand-computed values, padding ignored, its gradient, bad input. */
class GuidedAttentionTest {
    @Test
    void penalisesWeightOffTheDiagonal() {
        // utterance 0: L 2, U 4; weights one-hot on u 0 (step 0) and u 2 (step 1)
        // utterance 1: L 1, U 2; step 0 splits its weight evenly; its padded step 1 and state 2.. must not count
        float[] w = {
            1, 0, 0, 0,   0, 0, 1, 0,
            0.5f, 0.5f, 0, 0,   0, 0, 0, 1};
        Tensor alpha = Tensor.of(w, 2, 2, 4).requiresGrad(true);
        Tensor loss = GuidedAttention.loss(alpha, new int[] {2, 1}, new int[] {4, 2}, 0.5f);
        double s2 = 2 * 0.5 * 0.5;
        double a = 1 - Math.exp(-0.125 * 0.125 / s2);          // step 0.25 vs state 0.125
        double b = 1 - Math.exp(-0.125 * 0.125 / s2);          // step 0.75 vs state 0.625
        double c = 0.5 * (1 - Math.exp(-0.25 * 0.25 / s2)) * 2; // step 0.5 vs states 0.25 and 0.75
        assertEquals((a + b + c) / 3, loss.item(), 1e-6);
        loss.backward();
        float[] g = alpha.grad().toFloatArray();
        assertEquals((1 - Math.exp(-0.625 * 0.625 / s2)) / 3, g[3], 1e-6, "step 0.25 vs state 0.875");
        assertEquals(0f, g[4 * 3 + 3], "padded step");
        assertEquals(0f, g[4 * 2 + 2], "state past the utterance");
        // all weight on the diagonal: only the distance between cell centres is left
        Tensor diag = Tensor.of(new float[] {1, 0, 0, 1}, 1, 2, 2);
        assertEquals(0.0, GuidedAttention.loss(diag, new int[] {2}, new int[] {2}, 0.3f).item(), 1e-7);
    }

    @Test
    void badInputIsRejected() {
        Tensor alpha = Tensor.zeros(1, 2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> GuidedAttention.loss(alpha, new int[] {3}, new int[] {3}, 0.3f));
        assertEquals("GuidedAttention: lengths must be in [0, L=2] and [1, U=3], got [3] and [3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GuidedAttention.loss(alpha, new int[] {2}, new int[] {3}, 0f));
        assertEquals("GuidedAttention: sigma must be positive, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GuidedAttention.loss(alpha.reshape(2, 3), new int[] {2}, new int[] {3}, 0.3f));
        assertEquals("GuidedAttention: expected weights of shape (N, L, U), got [2, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GuidedAttention.loss(alpha, new int[] {0}, new int[] {3}, 0.3f));
        assertEquals("GuidedAttention: no output steps (all output lengths are 0)", e.getMessage());
    }
}
