package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class AutogradTest {

    @Test
    void gradientsAccumulateInLeavesAcrossBackwardCalls() {
        Tensor x = Tensor.of(1f, 2f, 3f).requiresGrad(true);
        x.mul(x).sum().backward();                       // d/dx sum x^2 = 2x
        Check.close(new float[] {2, 4, 6}, x.grad(), 0);
        x.mul(3f).sum().backward();                      // + 3
        Check.close(new float[] {5, 7, 9}, x.grad(), 0);
    }

    @Test
    void aTensorUsedTwiceGetsTheSumOfBothPaths() {
        Tensor x = Tensor.of(2f).requiresGrad(true);
        Tensor y = x.mul(x).add(x.exp());                // y = x^2 + e^x, dy/dx = 2x + e^x
        y.sum().backward();
        Check.close(new float[] {(float) (4 + Math.exp(2))}, x.grad(), 1e-6);
    }

    @Test
    void explicitUpstreamGradient() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        x.mul(2f).backward(Tensor.of(new float[] {1, 0, -1, 2}, 2, 2));
        Check.close(new float[] {2, 0, -2, 4}, x.grad(), 0);
    }

    @Test
    void implicitGradientNeedsAScalar() {
        Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.mul(2f).backward());
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
    }

    @Test
    void backwardThroughATensorThatDoesNotRequireGradIsAnError() {
        Tensor x = Tensor.of(1f, 2f);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void secondBackwardThroughAFreedGraphIsAnError() {
        Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
        Tensor y = x.mul(x).sum();
        y.backward(Tensor.scalar(1f), true);
        y.backward(Tensor.scalar(1f), false);
        Check.close(new float[] {4, 8}, x.grad(), 0);
    }

    @Test
    void noGradScopeRecordsNothingAndNests() {
        Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
        try (GradMode outer = GradMode.noGrad()) {
            try (GradMode inner = GradMode.noGrad()) {
                assertFalse(x.mul(2f).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
            assertFalse(x.exp().requiresGrad());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.exp().requiresGrad());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = Tensor.of(3f).requiresGrad(true);
        Tensor y = x.mul(x.detach());                    // only the first factor carries gradient
        y.sum().backward();
        Check.close(new float[] {3}, x.grad(), 0);
        assertFalse(x.detach().requiresGrad());
    }

    @Test
    void onlyFloatLeavesMayRequireGrad() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofInts(new int[] {1}, 1).requiresGrad(true));
        Tensor x = Tensor.of(1f).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2f).requiresGrad(false));
        assertTrue(e.getMessage().contains("leaf"), e.getMessage());
    }

    @Test
    void inPlaceUpdateOfAVariableNeedsNoGrad() {
        Tensor w = Tensor.of(1f, 2f).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> w.copyFrom(Tensor.of(0f, 0f)));
        try (GradMode g = GradMode.noGrad()) {
            w.copyFrom(Tensor.of(5f, 6f));
        }
        Check.close(new float[] {5, 6}, w, 0);
    }

    @Test
    void aLongChainDoesNotOverflowTheStack() {
        Tensor x = Tensor.of(1f).requiresGrad(true);
        Tensor y = x;
        for (int k = 0; k < 20_000; k++) y = y.add(0f);
        y.sum().backward();
        Check.close(new float[] {1}, x.grad(), 0);
    }

    @Test
    void gradCheckCatchesAWrongBackwardRule() {
        // A deliberately wrong rule: claims d/dx x^2 = x. GradCheck must reject it.
        java.util.function.Function<Tensor[], Tensor> wrong = in -> {
            Tensor x = in[0];
            Tensor out = x.detach().mul(x.detach());
            return Tensor.record("wrongSquare", out, g -> new Tensor[] {g.mul(x)}, x);
        };
        GradCheck.Result r = GradCheck.check(wrong, Tensor.of(0.5f, -1.5f, 2f));
        assertFalse(r.passed(), "a wrong gradient passed the check");
        Check.grad(in -> in[0].mul(in[0]), Tensor.of(0.5f, -1.5f, 2f));
    }
}
