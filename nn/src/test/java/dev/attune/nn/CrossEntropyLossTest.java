package dev.attune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradCheck;
import dev.attune.tensor.Tensor;
import org.junit.jupiter.api.Test;

class CrossEntropyLossTest {

    @Test
    void matchesTheClosedFormAndHasAGradient() {
        // Logits [0, ln 3] for target 1: p = [1/4, 3/4], loss = -ln(3/4); smoothing 0.2 adds 0.2 * mean(-ln p).
        Tensor logits = Tensor.of(new float[] {0f, (float) Math.log(3)}, 1, 2);
        Tensor target = Tensor.ofInts(new int[] {1}, 1);
        double nll = -Math.log(0.75), smooth = (-Math.log(0.25) - Math.log(0.75)) / 2;
        assertEquals(nll, new CrossEntropyLoss().forward(logits, target).item(), 1e-6);
        assertEquals(0.8 * nll + 0.2 * smooth, new CrossEntropyLoss(-100, 0.2f, F.Reduction.MEAN).forward(logits, target).item(), 1e-6);
        Tensor x = new Generator(3).randn(4, 5);
        Tensor t = Tensor.ofInts(new int[] {0, 4, 2, 4}, 4);
        CrossEntropyLoss loss = new CrossEntropyLoss(4, 0.1f, F.Reduction.SUM);
        GradCheck.Result r = GradCheck.check(in -> loss.forward(in[0], t), x);
        assertTrue(r.passed(), r.message());
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(-100, 1.5f, F.Reduction.MEAN));
        assertEquals("CrossEntropyLoss()", new CrossEntropyLoss().toString());
    }
}
