package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;
import static dev.attune.kernels.cpu.VectorRows.VL;

import dev.attune.kernels.AdamScalars;
import dev.attune.kernels.AdamScalars.WeightDecay;
import dev.attune.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused Adam / AdamW update ({@code Backend.adamStep}): one pass that reads the parameter,
 * gradient and moment buffers once and writes them back in place. Each operation is the one the
 * tensor-op composition performed, in its order and rounding: products by a scalar as
 * {@code fma(x, s, 0)} (the AFFINE map behind {@code Tensor.mul(float)}), every other product,
 * sum, quotient and square root rounded on its own, never contracted. The vector lanes and the
 * scalar tail compute the same correctly rounded operations, so the result is bit-identical to
 * the composition whatever the vector length or thread count.
 */
final class CpuAdam {
    private CpuAdam() {}

    static void step(float[] p, float[] g, float[] m, float[] v, float[] vmax, int n, AdamScalars s) {
        Parallel.forRange(n, CpuBackend.GRAIN, (lo, hi) -> range(p, g, m, v, vmax, s, lo, hi));
    }

    private static void range(float[] p, float[] g, float[] m, float[] v, float[] vmax, AdamScalars s, int lo, int hi) {
        WeightDecay mode = s.weightDecay();
        float b1 = s.beta1(), c1 = s.oneMinusBeta1(), b2 = s.beta2(), c2 = s.oneMinusBeta2(), eps = s.eps();
        float decay = s.decay(), bias2 = s.biasCorrection2Sqrt(), negStep = -s.stepSize();
        int k = lo;
        for (int bound = lo + S.loopBound(hi - lo); k < bound; k += VL) {
            FloatVector w = FloatVector.fromArray(S, p, k), gr = FloatVector.fromArray(S, g, k);
            if (mode == WeightDecay.L2) gr = gr.add(w.fma(decay, 0f));
            else if (mode == WeightDecay.DECOUPLED) w = w.fma(decay, 0f);
            FloatVector mk = FloatVector.fromArray(S, m, k).fma(b1, 0f).add(gr.fma(c1, 0f));
            FloatVector vk = FloatVector.fromArray(S, v, k).fma(b2, 0f).add(gr.mul(gr).fma(c2, 0f));
            mk.intoArray(m, k);
            vk.intoArray(v, k);
            if (vmax != null) {
                vk = FloatVector.fromArray(S, vmax, k).max(vk);
                vk.intoArray(vmax, k);
            }
            FloatVector denom = vk.lanewise(VectorOperators.SQRT).div(bias2).add(eps);
            w.add(mk.div(denom).fma(negStep, 0f)).intoArray(p, k);
        }
        for (; k < hi; k++) {
            float w = p[k], gr = g[k];
            if (mode == WeightDecay.L2) gr = gr + Math.fma(w, decay, 0f);
            else if (mode == WeightDecay.DECOUPLED) w = Math.fma(w, decay, 0f);
            float mk = Math.fma(m[k], b1, 0f) + Math.fma(gr, c1, 0f);
            float vk = Math.fma(v[k], b2, 0f) + Math.fma(gr * gr, c2, 0f);
            m[k] = mk;
            v[k] = vk;
            if (vmax != null) {
                vk = Math.max(vmax[k], vk);
                vmax[k] = vk;
            }
            float denom = (float) Math.sqrt(vk) / bias2 + eps;
            p[k] = w + Math.fma(mk / denom, negStep, 0f);
        }
    }
}
