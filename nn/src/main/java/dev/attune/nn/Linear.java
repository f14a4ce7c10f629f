package dev.attune.nn;

import dev.attune.kernels.UnaryOp;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Init;
import dev.attune.tensor.Tensor;

/**
 * {@code y = x W^T + b}: x (..., in_features) to y (..., out_features). W is (out, in) as in
 * torch.nn.Linear, initialised U(-1/sqrt(in), 1/sqrt(in)) like the bias.
 * Backward: {@code dx = dy W}, {@code dW = sum dy^T x}, {@code db = sum dy}.
 */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;

    public Linear(int in, int out, boolean bias, Generator g) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: features must be positive, got in=" + in + ", out=" + out);
        this.in = in;
        this.out = out;
        this.weight = parameter("weight", Init.defaultWeight(g, out, in));
        this.bias = bias ? parameter("bias", Init.defaultBias(g, in, out)) : null;
    }

    public Linear(int in, int out, Generator g) {
        this(in, out, true, g);
    }

    public Tensor forward(Tensor x) {
        return traced(F.linear(x, weight.value(), bias == null ? null : bias.value()), x);
    }

    /**
     * {@code activation(x W^T + b)}, the bias and an elementwise activation fused into one pass
     * ({@code F.linear} with the activation's op): the same values as the two layers in turn, to
     * float rounding. GLU, or a forward being traced (so that each layer's own output is seen),
     * runs them one after the other.
     */
    public Tensor forward(Tensor x, Activation activation) {
        UnaryOp op = activation.elementwiseOp();
        if (op == null || tracing()) return activation.forward(forward(x));
        return F.linear(x, weight.value(), bias == null ? null : bias.value(), op);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + Repr.pyBool(bias != null);
    }

    @Override
    public String math() {
        return "y = x W^T + b,  W: (" + out + ", " + in + ")";
    }
}
