package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.AdamScalars;
import org.junit.jupiter.api.Test;

/**
 * {@link F#adamStep}, the fused in-place Adam / AdamW update, against the composition of tensor ops
 * that {@code nn.optim.Adam} ran before it: the same bits after several steps, for no weight decay,
 * L2 and decoupled decay, with and without AMSGrad; and the guards of the in-place update.
 */
class AdamStepTest {
    /** Adam's former update as tensor ops: returns {p, m, v, vmax}. */
    private static Tensor[] composition(Tensor w, Tensor grad, Tensor m0, Tensor v0, Tensor vmax0, double lr, double beta1,
                                        double beta2, double eps, double weightDecay, boolean decoupled, int t) {
        if (weightDecay != 0) {
            if (decoupled) w = w.mul((float) (1 - lr * weightDecay));
            else grad = grad.add(w.mul((float) weightDecay));
        }
        Tensor m = m0.mul((float) beta1).add(grad.mul((float) (1 - beta1)));
        Tensor v = v0.mul((float) beta2).add(grad.mul(grad).mul((float) (1 - beta2)));
        Tensor vmax = vmax0 == null ? null : vmax0.maximum(v);
        Tensor vUsed = vmax == null ? v : vmax;
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double correction2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        Tensor denom = vUsed.sqrt().div(Tensor.full((float) correction2Sqrt, vUsed.device())).add((float) eps);
        return new Tensor[] {w.add(m.div(denom).mul((float) -stepSize)), m, v, vmax};
    }

    private static void sameBits(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), what);  // Float.equals: bit patterns, -0 != +0
    }

    @Test
    void givesTheBitsOfTheCompositionOverSeveralSteps() {
        int n = 70_001;  // two parallel chunks where there are two threads, and vector tails
        double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        for (double weightDecay : new double[] {0, 0.01}) {
            for (boolean decoupled : new boolean[] {false, true}) {
                if (weightDecay == 0 && decoupled) continue;
                for (boolean amsgrad : new boolean[] {false, true}) {
                    String what = "weight decay " + weightDecay + (decoupled ? " decoupled" : "") + (amsgrad ? " amsgrad" : "");
                    float[] init = Check.randn(11, n).toFloatArray();
                    init[0] = -0f;   // signed zeros take the composition's path too
                    init[1] = 0f;
                    Tensor p = Tensor.of(init), m = Tensor.zeros(n), v = Tensor.zeros(n), vmax = amsgrad ? Tensor.zeros(n) : null;
                    Tensor rp = Tensor.of(init), rm = Tensor.zeros(n), rv = Tensor.zeros(n), rvmax = amsgrad ? Tensor.zeros(n) : null;
                    for (int t = 1; t <= 4; t++) {
                        double lr = 1e-3 * t;
                        float[] g = Check.randn(20 + t, n).mul(t == 3 ? 1e-3f : 1f).toFloatArray();
                        g[0] = 0f;
                        g[1] = -0f;
                        Tensor grad = Tensor.of(g);
                        F.adamStep(p, grad, m, v, vmax, AdamScalars.of(lr, beta1, beta2, eps, weightDecay, decoupled, t));
                        Tensor[] r = composition(rp, grad, rm, rv, rvmax, lr, beta1, beta2, eps, weightDecay, decoupled, t);
                        rp = r[0];
                        rm = r[1];
                        rv = r[2];
                        rvmax = r[3];
                        sameBits(what + " step " + t + " param", rp, p);
                        sameBits(what + " step " + t + " exp_avg", rm, m);
                        sameBits(what + " step " + t + " exp_avg_sq", rv, v);
                        if (amsgrad) sameBits(what + " step " + t + " max_exp_avg_sq", rvmax, vmax);
                    }
                }
            }
        }
    }

    @Test
    void readsANonDenseGradient() {
        Tensor p = Check.randn(30, 4, 3), wide = Check.randn(31, 3, 4);
        Tensor m = Tensor.zeros(4, 3), v = Tensor.zeros(4, 3);
        AdamScalars s = AdamScalars.of(0.1, 0.9, 0.999, 1e-8, 0, false, 1);
        Tensor[] r = composition(p, wide.t(), Tensor.zeros(4, 3), Tensor.zeros(4, 3), null, 0.1, 0.9, 0.999, 1e-8, 0, false, 1);
        F.adamStep(p, wide.t(), m, v, null, s);
        sameBits("param", r[0], p);
    }

    @Test
    void refusesUnsafeInPlaceUpdates() {
        AdamScalars s = AdamScalars.of(0.1, 0.9, 0.999, 1e-8, 0, false, 1);
        Tensor p = Tensor.zeros(4), g = Tensor.ones(4), m = Tensor.zeros(4), v = Tensor.zeros(4);
        var e = assertThrows(IllegalArgumentException.class, () -> F.adamStep(p, g, m, m, null, s));
        assertEquals("adamStep: expAvgSq and expAvg must be separate storages, got the same one", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.adamStep(p, p, m, v, null, s));
        assertEquals("adamStep: param and grad must be separate storages, got the same one", e.getMessage());
        Tensor big = Tensor.zeros(8);
        e = assertThrows(IllegalArgumentException.class, () -> F.adamStep(big.narrow(0, 2, 4), g, m, v, null, s));
        assertEquals("adamStep: param must be dense from offset 0 (it is updated in place), got offset 2 and strides [1] for shape [4]",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.adamStep(p, g, m, Tensor.zeros(5), null, s));
        assertEquals("adamStep: expAvgSq shape must be [4], got [5]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.adamStep(p, g, null, v, null, s));
        assertTrue(e.getMessage().startsWith("adamStep: param, grad, expAvg, expAvgSq and the scalars are required"), e.getMessage());
        Tensor leaf = Tensor.zeros(4).requiresGrad(true);
        var st = assertThrows(IllegalStateException.class, () -> F.adamStep(leaf, g, m, v, null, s));
        assertTrue(st.getMessage().contains("GradMode.noGrad()"), st.getMessage());
        try (GradMode ignored = GradMode.noGrad()) {
            F.adamStep(leaf, g, m, v, null, s);
        }
        assertTrue(leaf.toFloatArray()[0] < 0, "the leaf moved against its gradient under noGrad");
    }
}
