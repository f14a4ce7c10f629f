package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Tensor;

/**
 * Layer normalisation over the trailing dims {@code normalized_shape}:
 * {@code y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias}, biased variance per group.
 * Backward, with {@code xhat} the normalised input, {@code g = dy * weight} and N the group size:
 * {@code dx = rstd (g - mean(g) - xhat mean(g xhat))}, {@code dweight = sum dy xhat}, {@code dbias = sum dy}.
 */
public final class LayerNorm extends Module {
    private final int[] shape;
    private final float eps;
    private final Parameter weight, bias;

    public LayerNorm(int size, float eps) {
        this(new int[] {size}, eps);
    }

    public LayerNorm(int[] normalizedShape, float eps) {
        this.shape = normalizedShape.clone();
        this.eps = eps;
        this.weight = parameter("weight", Tensor.ones(shape));
        this.bias = parameter("bias", Tensor.zeros(shape));
    }

    public Tensor forward(Tensor x) {
        return traced(F.layerNorm(x, shape, weight.value(), bias.value(), eps), x);
    }

    @Override
    protected String extraRepr() {
        return "(" + java.util.Arrays.stream(shape).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(", "))
                + (shape.length == 1 ? ",)" : ")") + ", eps=" + Repr.pyFloat(eps) + ", elementwise_affine=True";
    }


    @Override
    public String math() {
        return "y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias, over the last " + shape.length + " dim(s), biased variance";
    }
}
