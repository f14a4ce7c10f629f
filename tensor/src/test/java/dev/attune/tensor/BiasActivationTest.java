package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.UnaryOp;
import org.junit.jupiter.api.Test;

/** {@link F#biasActivation} and the fused {@link F#linear(Tensor, Tensor, Tensor, UnaryOp)} against the ops they fuse. */
class BiasActivationTest {
    private static final UnaryOp[] ACTS = {UnaryOp.RELU, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.TANH, UnaryOp.SIGMOID};

    private static Tensor unfused(Tensor x, Tensor bias, UnaryOp act) {
        return Ops.unary(act, x.add(bias));
    }

    /**
     * Within 1e-6 relative + 1e-6 absolute: the fused op runs each row's tail through the scalar form
     * of the activation where the composition, walking the flat tensor, uses the vector form; the
     * forms differ in the last bits, which 1 - tanh^2 near saturation turns into an absolute error
     * of about ulp(1) times gy.
     */
    private static void assertFloatClose(String what, Tensor expected, Tensor actual) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        assertEquals(e.length, a.length, what + ": length");
        for (int i = 0; i < e.length; i++)
            assertTrue(Math.abs(e[i] - a[i]) <= 1e-6 * Math.abs(e[i]) + 1e-6, what + ": element " + i + " " + e[i] + " vs " + a[i]);
    }

    /**
     * Forward and gx as the composition to float rounding; the bias gradient (a column sum in another order) to float
     * rounding. 150 rows: more than two row blocks of the bias-gradient sum. Widths: 37 (vectors cross rows, and a
     * tail), 5 (one vector spans several rows, whose bias-gradient lanes wrap more than once), 64 (whole vectors).
     */
    @Test
    void matchesTheUnfusedOpsForwardAndBackward() {
        for (int cols : new int[] {37, 5, 64}) matchesTheUnfusedOps(cols);
    }

    private static void matchesTheUnfusedOps(int cols) {
        Tensor x0 = Check.randn(1, 3, 50, cols).mul(3f), b0 = Check.randn(2, cols), gy = Check.randn(3, 3, 50, cols);
        for (UnaryOp act : ACTS) {
            Tensor x1 = x0.detach().requiresGrad(true), b1 = b0.detach().requiresGrad(true);
            Tensor y1 = F.biasActivation(x1, b1, act);
            y1.backward(gy);
            Tensor x2 = x0.detach().requiresGrad(true), b2 = b0.detach().requiresGrad(true);
            Tensor y2 = unfused(x2, b2, act);
            y2.backward(gy);
            assertFloatClose(act + " y, width " + cols, y2, y1);
            assertFloatClose(act + " gx, width " + cols, x2.grad(), x1.grad());
            Check.close(b2.grad().toFloatArray(), b1.grad(), 1e-5);
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        for (UnaryOp act : ACTS) {
            // away from ReLU's kink: |x + b| >= 0.1
            Tensor x = Check.randn(4, 5, 6).add(0.05f);
            x = x.add(Ops.rawUnary(UnaryOp.SIGN, 0f, 0f, x).mul(0.1f)).requiresGrad(true);
            Tensor b = Tensor.of(new float[6], 6).requiresGrad(true);
            Check.grad(in -> F.biasActivation(in[0], in[1], act), x, b);
        }
    }

    @Test
    void fusedLinearEqualsLinearThenActivation() {
        Tensor x = Check.randn(5, 4, 7, 9), w = Check.randn(6, 12, 9), b = Check.randn(7, 12);
        for (UnaryOp act : ACTS) {
            assertFloatClose("linear " + act, unfused(F.linear(x, w, null), b, act), F.linear(x, w, b, act));
            assertFloatClose("linear without bias " + act, Ops.unary(act, F.linear(x, w, null)), F.linear(x, w, null, act));
        }
    }

    @Test
    void noBiasGradientUnlessRequired() {
        Tensor x = Check.randn(8, 4, 5).requiresGrad(true), b = Check.randn(9, 5);
        F.biasActivation(x, b, UnaryOp.SILU).sum().backward();
        assertNull(b.grad());
        assertFloatClose("silu", unfused(x.detach(), b, UnaryOp.SILU), F.biasActivation(x, b, UnaryOp.SILU));
    }

    @Test
    void badInputIsNamed() {
        Tensor x = Check.randn(10, 4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> F.biasActivation(x, Check.randn(11, 4), UnaryOp.RELU));
        assertTrue(e.getMessage().contains("biasActivation") && e.getMessage().contains("[4, 5]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.biasActivation(x, Check.randn(12, 5), UnaryOp.EXP));
        assertTrue(e.getMessage().contains("biasActivation") && e.getMessage().contains("EXP"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.linear(x, Check.randn(13, 3, 5), Check.randn(14, 4), UnaryOp.RELU));
        assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("bias"), e.getMessage());
    }
}
