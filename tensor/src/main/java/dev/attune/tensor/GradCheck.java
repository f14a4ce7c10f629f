package dev.attune.tensor;

import java.util.function.Function;

/**
 * Checks a function's autograd gradients against central differences. The function's output
 * is reduced to a scalar with fixed random weights {@code L = sum(w * f(x))}, so every output
 * element contributes; then for each input element,
 * {@code dL/dx ~ (L(x + h) - L(x - h)) / 2h} is compared with the analytic gradient.
 * In float32 the step is about 1e-2 and the tolerance {@code atol + rtol * |numeric|}.
 */
public final class GradCheck {
    private GradCheck() {}

    /** The worst mismatch found: where, and the two values. */
    public record Result(boolean passed, int input, int element, double analytic, double numeric, String message) {}

    public static Result check(Function<Tensor[], Tensor> f, double step, double atol, double rtol, Tensor... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
            leaves[k] = inputs[k].dtype().isFloating() ? inputs[k].detach().copy().requiresGrad(true) : inputs[k];
        }
        Tensor probe = f.apply(leaves);
        Tensor weights = new Generator(1234).uniform(0.5f, 1.5f, probe.shape());
        probe.mul(weights).sum().backward();
        for (int k = 0; k < inputs.length; k++) {
            if (!leaves[k].dtype().isFloating()) continue;
            float[] base = leaves[k].toFloatArray();
            float[] analytic = leaves[k].grad() == null ? new float[base.length] : leaves[k].grad().toFloatArray();
            for (int e = 0; e < base.length; e++) {
                double plus = evaluate(f, leaves, k, base, e, step, weights);
                double minus = evaluate(f, leaves, k, base, e, -step, weights);
                // The step actually taken after rounding to float32.
                double taken = (double) (float) (base[e] + step) - (double) (float) (base[e] - step);
                double numeric = (plus - minus) / taken;
                double diff = Math.abs(numeric - analytic[e]);
                if (!(diff <= atol + rtol * Math.abs(numeric))) {
                    return new Result(false, k, e, analytic[e], numeric, "gradient of input " + k + " element " + e
                            + ": autograd " + analytic[e] + ", central difference " + numeric);
                }
            }
        }
        return new Result(true, -1, -1, 0, 0, "ok");
    }

    /** With float32-friendly defaults: step 1e-2, atol 2e-3, rtol 2e-2. */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, 1e-2, 2e-3, 2e-2, inputs);
    }

    private static double evaluate(Function<Tensor[], Tensor> f, Tensor[] leaves, int k, float[] base, int e, double h,
                                   Tensor weights) {
        float[] moved = base.clone();
        moved[e] = (float) (base[e] + h);
        Tensor[] args = leaves.clone();
        args[k] = Tensor.of(moved, leaves[k].shape());
        try (GradMode g = GradMode.noGrad()) {
            float[] out = f.apply(args).toFloatArray();
            float[] w = weights.toFloatArray();
            double s = 0;
            for (int i = 0; i < out.length; i++) s += (double) out[i] * w[i];
            return s;
        }
    }
}
