package dev.attune.nn;

import static dev.attune.nn.RnnChecks.gradCheck;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CTC loss against a brute-force sum over every frame labelling, its gradient, infeasible targets and bad input. */
class CtcLossTest {
    private static final int BLANK = 0;

    /** -log sum over all V^T labellings that collapse (merge repeats, drop blanks) to the target. */
    private static double bruteForce(float[] logProbs, int t0, int frames, int v, int[] target) {
        double total = 0;
        int paths = (int) Math.pow(v, frames);
        for (int p = 0; p < paths; p++) {
            int code = p;
            double logp = 0;
            List<Integer> collapsed = new ArrayList<>();
            int previous = -1;
            for (int u = 0; u < frames; u++) {
                int k = code % v;
                code /= v;
                logp += logProbs[(t0 + u) * v + k];
                if (k != previous && k != BLANK) collapsed.add(k);
                previous = k;
            }
            if (collapsed.equals(java.util.Arrays.stream(target).boxed().toList())) total += Math.exp(logp);
        }
        return -Math.log(total);
    }

    @Test
    void equalsTheSumOverAllAlignments() {
        int n = 4, t = 5, v = 4;
        Tensor logProbs = F.logSoftmax(new Generator(3).randn(n, t, v), 2);
        int[] lengths = {5, 4, 5, 3};
        int[][] targets = {{1, 2}, {3, 3}, {2, 1, 2}, {}};
        float[] lp = logProbs.toFloatArray();
        float[] loss = CtcLoss.forward(logProbs, lengths, targets, BLANK).toFloatArray();
        for (int b = 0; b < n; b++) {
            assertEquals(bruteForce(lp, b * t, lengths[b], v, targets[b]), loss[b], 1e-5, "utterance " + b);
        }
    }

    @Test
    void infeasibleTargetsCostNothingAndGetNoGradient() {
        Tensor logits = new Generator(4).randn(2, 4, 3).requiresGrad(true);
        // {1, 1, 1} needs 5 frames (blanks between the repeats), only 4 are there; {2, 1} fits
        int[][] targets = {{1, 1, 1}, {2, 1}};
        assertFalse(CtcLoss.feasible(4, targets[0]));
        assertTrue(CtcLoss.feasible(4, targets[1]));
        assertTrue(CtcLoss.feasible(5, targets[0]));
        Tensor loss = CtcLoss.forward(F.logSoftmax(logits, 2), new int[] {4, 4}, targets, BLANK);
        assertEquals(0f, loss.toFloatArray()[0]);
        assertTrue(loss.toFloatArray()[1] > 0);
        loss.sum().backward();
        float[] g = logits.grad().toFloatArray();
        for (int k = 0; k < 12; k++) assertEquals(0f, g[k], "row 0 gradient " + k);
        for (int k = 12; k < 24; k++) assertTrue(Float.isFinite(g[k]));
    }

    @Test
    void gradientsMatchCentralDifferences() {
        int[][] targets = {{1, 2, 2}, {2}};
        Generator g = new Generator(5);
        gradCheck(in -> CtcLoss.forward(F.logSoftmax(in[0], 2), new int[] {6, 4}, targets, BLANK), g.randn(2, 6, 3));
    }

    @Test
    void badInputIsRejected() {
        Tensor lp = F.logSoftmax(new Generator(6).randn(1, 3, 4), 2);
        var e = assertThrows(IllegalArgumentException.class, () -> CtcLoss.forward(lp, new int[] {3}, new int[][] {{0}}, BLANK));
        assertEquals("CtcLoss: target ids must be in [0, 4) and not the blank 0, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CtcLoss.forward(lp, new int[] {4}, new int[][] {{1}}, BLANK));
        assertEquals("CtcLoss: input lengths must be in [1, T=3], got [4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CtcLoss.forward(lp.reshape(3, 4), new int[] {3}, new int[][] {{1}}, BLANK));
        assertEquals("CtcLoss: expected log-probabilities of shape (N, T, V), got [3, 4]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CtcLoss.forward(lp, new int[] {3}, new int[][] {{1}}, 4));
    }
}
