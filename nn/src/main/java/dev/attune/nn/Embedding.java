package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/** A lookup table: int32 indices (...) to rows of weight (num, dim), output (..., dim); weight ~ N(0, 1) as in torch. */
public final class Embedding extends Module {
    private final int num, dim;
    private final Parameter weight;

    public Embedding(int num, int dim, Generator g) {
        this.num = num;
        this.dim = dim;
        this.weight = parameter("weight", g.randn(num, dim));
    }

    public Tensor forward(Tensor indices) {
        return traced(F.embedding(indices, weight.value()), indices);
    }

    @Override
    protected String extraRepr() {
        return num + ", " + dim;
    }
}
