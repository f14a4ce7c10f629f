package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.DType;
import org.junit.jupiter.api.Test;

/**
 * {@link F#lstmCell}, the fused LSTM pointwise op: against the composition of narrow, sigmoid, tanh,
 * mul and add it replaces (values and gradients), gradient checks with a gradient reaching h', c'
 * or both, two chained steps (the two outputs of one node consumed by the next step), and argument checks.
 */
class LstmCellTest {
    /** The composition LSTMCell used before the fused op. */
    private static Tensor[] composition(Tensor gates, Tensor c) {
        int h = gates.size(1) / 4;
        Tensor i = gates.narrow(1, 0, h).sigmoid(), f = gates.narrow(1, h, h).sigmoid();
        Tensor g = gates.narrow(1, 2 * h, h).tanh(), o = gates.narrow(1, 3 * h, h).sigmoid();
        Tensor cNext = c == null ? i.mul(g) : f.mul(c).add(i.mul(g));
        return new Tensor[] {o.mul(cNext.tanh()), cNext};
    }

    /** Values and both input gradients of the fused op and the composition, for loss = sum(wh h') + sum(wc c'). */
    private static void compare(int n, int h, boolean withC, boolean gradH, boolean gradC) {
        Tensor gates0 = Check.randn(1, n, 4 * h).mul(2f), c0 = withC ? Check.randn(2, n, h) : null;
        Tensor wh = Check.randn(3, n, h), wc = Check.randn(4, n, h);
        Tensor[] grads = new Tensor[4];
        float[][] values = new float[4][];
        for (int pass = 0; pass < 2; pass++) {
            Tensor gates = gates0.detach().copy().requiresGrad(true), c = withC ? c0.detach().copy().requiresGrad(true) : null;
            Tensor hn, cn;
            if (pass == 0) {
                F.LstmState s = F.lstmCell(gates, c);
                hn = s.h();
                cn = s.c();
            } else {
                Tensor[] s = composition(gates, c);
                hn = s[0];
                cn = s[1];
            }
            values[2 * pass] = hn.toFloatArray();
            values[2 * pass + 1] = cn.toFloatArray();
            Tensor loss = gradH ? hn.mul(wh).sum() : null;
            if (gradC) loss = loss == null ? cn.mul(wc).sum() : loss.add(cn.mul(wc).sum());
            loss.backward();
            grads[2 * pass] = gates.grad();
            grads[2 * pass + 1] = withC ? c.grad() : null;
        }
        String what = "n " + n + " h " + h + (withC ? "" : " c=null") + " grad to" + (gradH ? " h" : "") + (gradC ? " c" : "");
        // VectorMath's sigmoid and tanh are within 1e-7 relative of the scalar ones the composition uses on tails
        Check.close(values[2], Tensor.of(values[0], n, h), 1e-6);
        Check.close(values[3], Tensor.of(values[1], n, h), 1e-6);
        Check.close(grads[2].toFloatArray(), grads[0], 1e-5);
        if (withC) Check.close(grads[3].toFloatArray(), grads[1], 1e-5);
        assertTrue(grads[0] != null, what);
    }

    @Test
    void matchesTheCompositionItReplaces() {
        for (int h : new int[] {1, 8, 37}) {
            compare(5, h, true, true, true);
            compare(5, h, false, true, true);
            compare(3, h, true, true, false);
            compare(3, h, true, false, true);
        }
        compare(300, 40, true, true, true);  // more rows than one task takes
    }

    @Test
    void valuesOfOneElement() {
        // a_i = 0, a_f = ln 3, a_g = atanh(0.5), a_o = 0, c = 2: i = 1/2, f = 3/4, g = 1/2, o = 1/2
        Tensor gates = Tensor.of(new float[] {0f, (float) Math.log(3), (float) (0.5 * Math.log(3)), 0f}, 1, 4);
        F.LstmState s = F.lstmCell(gates, Tensor.of(new float[] {2f}, 1, 1));
        Check.close(new float[] {1.75f}, s.c(), 1e-6);
        Check.close(new float[] {(float) (0.5 * Math.tanh(1.75))}, s.h(), 1e-6);
    }

    @Test
    void gradientsMatchCentralDifferences() {
        Tensor gates = Check.randn(5, 3, 4 * 5), c = Check.randn(6, 3, 5);
        Check.grad(t -> {
            F.LstmState s = F.lstmCell(t[0], t[1]);
            return Tensor.cat(1, s.h(), s.c());
        }, gates, c);
        Check.grad(t -> F.lstmCell(t[0], t[1]).h(), gates, c);   // no gradient reaches c'
        Check.grad(t -> F.lstmCell(t[0], t[1]).c(), gates, c);   // none reaches h'
        Check.grad(t -> {
            F.LstmState s = F.lstmCell(t[0], null);
            return Tensor.cat(1, s.h(), s.c());
        }, gates);
    }

    @Test
    void twoChainedStepsBackpropagateThroughBothOutputs() {
        Tensor g1 = Check.randn(7, 2, 4 * 3), g2 = Check.randn(8, 2, 4 * 3), c0 = Check.randn(9, 2, 3);
        Check.grad(t -> {
            F.LstmState s1 = F.lstmCell(t[0], t[2]);
            Tensor h4 = Tensor.cat(1, s1.h(), s1.h(), s1.h(), s1.h());
            F.LstmState s2 = F.lstmCell(t[1].add(h4), s1.c());
            return Tensor.cat(1, s2.h(), s2.c(), s1.h());
        }, g1, g2, c0);
    }

    @Test
    void recordsOneNodeAndNothingWithoutGrad() {
        Tensor gates = Check.randn(10, 2, 8).requiresGrad(true);
        F.LstmState s = F.lstmCell(gates, null);
        assertEquals("lstmCell", s.h().gradFnName());
        assertEquals("lstmCell", s.c().gradFnName());
        try (GradMode g = GradMode.noGrad()) {
            assertNull(F.lstmCell(gates, null).h().gradFnName());
        }
        assertTrue(!F.lstmCell(Check.randn(10, 2, 8), null).h().requiresGrad());
    }

    @Test
    void badArgumentsNameTheOp() {
        var e = assertThrows(IllegalArgumentException.class, () -> F.lstmCell(Tensor.zeros(2, 7), null));
        assertEquals("lstmCell: gates must be (N, 4H), got shape [2, 7]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.lstmCell(Tensor.zeros(2, 8), Tensor.zeros(2, 3)));
        assertEquals("lstmCell: c shape (N, H) must be [2, 2], got [2, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.lstmCell(Tensor.zeros(DType.INT32, Device.CPU, 2, 8), null));
        assertEquals("lstmCell: gates must be float32, got int32", e.getMessage());
    }
}
