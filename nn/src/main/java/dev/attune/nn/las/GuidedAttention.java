package dev.attune.nn.las;

import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Guided attention loss (Tachibana, Uenoyama and Aihara 2018): a penalty on attention weights
 * far from the diagonal, which tells a freshly initialised attention that output step i of L
 * reads roughly the listener states around fraction i/L of the utterance. Content-based
 * attention learns alignments from scratch slowly when there is little data (all its queries
 * start out attending uniformly); this prior gets it started, and the model refines it.
 *
 * <p>For weights alpha (N, L, U), output lengths L_n (steps i &lt; L_n count) and listener lengths U_n:
 * <pre>
 *   W_n(i, u) = 1 - exp(-((i + 0.5) / L_n - (u + 0.5) / U_n)^2 / (2 sigma^2))
 *   loss      = sum_n sum_{i &lt; L_n} sum_{u &lt; U_n} alpha_n(i, u) W_n(i, u) / sum_n L_n
 * </pre>
 * i.e. the mean over output steps of the expected penalty, in [0, 1); its gradient with respect
 * to alpha is the constant W over the step count. The loss lives on the device of the weights.
 */
public final class GuidedAttention {
    private GuidedAttention() {}

    /** The loss of weights (N, L, U) for output lengths (each in [0, L]) and listener lengths (each in [1, U]), width {@code sigma}. */
    public static Tensor loss(Tensor weights, int[] outputLengths, int[] inputLengths, float sigma) {
        if (weights.dim() != 3) {
            throw new IllegalArgumentException("GuidedAttention: expected weights of shape (N, L, U), got " + Arrays.toString(weights.shape()));
        }
        int n = weights.size(0), l = weights.size(1), u = weights.size(2);
        if (outputLengths.length != n || inputLengths.length != n) {
            throw new IllegalArgumentException("GuidedAttention: expected " + n + " output and listener lengths, got " + outputLengths.length
                    + " and " + inputLengths.length);
        }
        if (!(sigma > 0)) throw new IllegalArgumentException("GuidedAttention: sigma must be positive, got " + sigma);
        float[] w = new float[n * l * u];
        int steps = 0;
        for (int b = 0; b < n; b++) {
            int lb = outputLengths[b], ub = inputLengths[b];
            if (lb < 0 || lb > l || ub < 1 || ub > u) {
                throw new IllegalArgumentException("GuidedAttention: lengths must be in [0, L=" + l + "] and [1, U=" + u + "], got "
                        + Arrays.toString(outputLengths) + " and " + Arrays.toString(inputLengths));
            }
            steps += lb;
            for (int i = 0; i < lb; i++) {
                for (int t = 0; t < ub; t++) {
                    double d = (i + 0.5) / lb - (t + 0.5) / ub;
                    w[(b * l + i) * u + t] = (float) (1 - Math.exp(-d * d / (2.0 * sigma * sigma)));
                }
            }
        }
        if (steps == 0) throw new IllegalArgumentException("GuidedAttention: no output steps (all output lengths are 0)");
        // the penalty table is built on the CPU and moved to the device of the weights
        return weights.mul(Tensor.of(w, n, l, u).to(weights.device())).sum().div(Tensor.scalar(steps).to(weights.device()));
    }
}
