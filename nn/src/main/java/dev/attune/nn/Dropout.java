package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/** Inverted dropout with probability p in training (kept values scaled by 1/(1-p)); identity in eval. */
public final class Dropout extends Module {
    private final float p;
    private final Generator generator;

    public Dropout(float p, Generator generator) {
        if (p < 0f || p > 1f) throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        this.p = p;
        this.generator = generator;
    }

    public Tensor forward(Tensor x) {
        return traced(F.dropout(x, p, isTraining(), generator), x);
    }

    /** The drop probability. */
    public float p() {
        return p;
    }

    /** The generator the masks come from (for ops that draw their dropout mask themselves, as fused attention). */
    public Generator generator() {
        return generator;
    }

    @Override
    protected String extraRepr() {
        return "p=" + Repr.pyFloat(p) + ", inplace=False";
    }

    @Override
    public String math() {
        return "training: y = x * mask / (1 - p), mask ~ Bernoulli(1 - p), p = " + Repr.pyFloat(p) + "; eval: y = x";
    }
}
