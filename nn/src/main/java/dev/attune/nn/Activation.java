package dev.attune.nn;

import dev.attune.kernels.UnaryOp;
import dev.attune.tensor.F;
import dev.attune.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Parameter-free elementwise layers, printed under PyTorch's names:
 * ReLU {@code max(x, 0)}, SiLU (Swish) {@code x * sigmoid(x)}, Tanh, Sigmoid, GELU {@code x * Phi(x)},
 * and GLU {@code a * sigmoid(b)} for the halves a, b of x along a dim.
 */
public final class Activation extends Module {
    private final String name;
    private final String repr;
    private final UnaryOperator<Tensor> fn;
    private final UnaryOp op;

    private Activation(String name, String repr, UnaryOperator<Tensor> fn, UnaryOp op) {
        this.name = name;
        this.repr = repr;
        this.fn = fn;
        this.op = op;
    }

    public static Activation relu() { return new Activation("ReLU", "", Tensor::relu, UnaryOp.RELU); }
    public static Activation silu() { return new Activation("SiLU", "", Tensor::silu, UnaryOp.SILU); }
    public static Activation tanh() { return new Activation("Tanh", "", Tensor::tanh, UnaryOp.TANH); }
    public static Activation sigmoid() { return new Activation("Sigmoid", "", Tensor::sigmoid, UnaryOp.SIGMOID); }
    public static Activation gelu() { return new Activation("GELU", "approximate='none'", Tensor::gelu, UnaryOp.GELU); }
    public static Activation glu(int dim) { return new Activation("GLU", "dim=" + dim, x -> F.glu(x, dim), null); }

    /** By PyTorch's lower-case name: relu, silu/swish, tanh, sigmoid, gelu. */
    public static Activation byName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "relu" -> relu();
            case "silu", "swish" -> silu();
            case "tanh" -> tanh();
            case "sigmoid" -> sigmoid();
            case "gelu" -> gelu();
            default -> throw new IllegalArgumentException("Activation: unknown activation '" + name + "' (relu, silu, swish, tanh, sigmoid, gelu)");
        };
    }

    public Tensor forward(Tensor x) {
        return traced(fn.apply(x), x);
    }

    /**
     * The elementwise map this layer applies, which {@link Linear#forward(Tensor, Activation)} can
     * fuse with the bias; null for GLU (it halves its input).
     */
    public UnaryOp elementwiseOp() {
        return op;
    }

    /** The PyTorch class name this layer prints as. */
    public String typeName() {
        return name;
    }

    @Override
    protected String extraRepr() {
        return repr;
    }

    @Override
    public String toString() {
        return name + "(" + repr + ")";
    }

    @Override
    public String math() {
        return switch (name) {
            case "ReLU" -> "y = max(x, 0)";
            case "SiLU" -> "y = x * sigmoid(x)";
            case "Tanh" -> "y = tanh(x)";
            case "Sigmoid" -> "y = 1 / (1 + exp(-x))";
            case "GELU" -> "y = x * Phi(x)";
            default -> "a, b = split(x, 2, " + repr + "); y = a * sigmoid(b)";
        };
    }
}
