package dev.attune.tensor;

/**
 * The weight initialisers of {@code torch.nn.init}, drawing from an explicit generator. For a
 * weight of shape (out, in, k...) the fans are {@code fan_in = in * prod(k)} and
 * {@code fan_out = out * prod(k)}.
 */
public final class Init {
    private Init() {}

    /** {@code [fan_in, fan_out]} of a weight shape, as torch computes them. */
    public static int[] fans(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("fans: a weight needs at least 2 dims, got shape " + Shapes.str(shape));
        }
        int receptive = 1;
        for (int d = 2; d < shape.length; d++) receptive *= shape[d];
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    /** The gain torch uses for a nonlinearity: linear/sigmoid 1, tanh 5/3, relu sqrt 2, leaky_relu sqrt(2/(1+a^2)). */
    public static double gain(String nonlinearity, double a) {
        return switch (nonlinearity) {
            case "linear", "conv1d", "conv2d", "sigmoid" -> 1.0;
            case "tanh" -> 5.0 / 3.0;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1.0 + a * a));
            case "selu" -> 0.75;
            default -> throw new IllegalArgumentException("gain: unknown nonlinearity '" + nonlinearity + "'");
        };
    }

    /** U(-b, b) with {@code b = gain * sqrt(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform(Generator g, double gain, int... shape) {
        int[] f = fans(shape);
        float b = (float) (gain * Math.sqrt(6.0 / (f[0] + f[1])));
        return g.uniform(-b, b, shape);
    }

    /** N(0, std^2) with {@code std = gain * sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal(Generator g, double gain, int... shape) {
        int[] f = fans(shape);
        return g.normal(0f, (float) (gain * Math.sqrt(2.0 / (f[0] + f[1]))), shape);
    }

    /**
     * U(-b, b) with {@code b = gain(nonlinearity, a) * sqrt(3 / fan)}, fan = fan_in or fan_out.
     */
    public static Tensor kaimingUniform(Generator g, double a, boolean fanIn, String nonlinearity, int... shape) {
        int[] f = fans(shape);
        float b = (float) (gain(nonlinearity, a) * Math.sqrt(3.0 / f[fanIn ? 0 : 1]));
        return g.uniform(-b, b, shape);
    }

    /** N(0, std^2) with {@code std = gain(nonlinearity, a) / sqrt(fan)}. */
    public static Tensor kaimingNormal(Generator g, double a, boolean fanIn, String nonlinearity, int... shape) {
        int[] f = fans(shape);
        return g.normal(0f, (float) (gain(nonlinearity, a) / Math.sqrt(f[fanIn ? 0 : 1])), shape);
    }

    /**
     * The default weight of torch's Linear and ConvNd: kaiming_uniform with a = sqrt(5),
     * which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    public static Tensor defaultWeight(Generator g, int... shape) {
        return kaimingUniform(g, Math.sqrt(5.0), true, "leaky_relu", shape);
    }

    /** The default bias of Linear and ConvNd: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight's fan_in. */
    public static Tensor defaultBias(Generator g, int fanIn, int size) {
        float b = fanIn > 0 ? (float) (1.0 / Math.sqrt(fanIn)) : 0f;
        return g.uniform(-b, b, size);
    }
}
