package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Tensor;

/**
 * Batch normalisation over (N, C) or (N, C, L), per channel c:
 * {@code y = (x - mu_c) / sqrt(var_c + eps) * weight_c + bias_c}. Training uses the batch's
 * statistics and updates {@code running_mean}, {@code running_var} (unbiased) with momentum and
 * counts {@code num_batches_tracked}; eval uses the running statistics.
 * Backward in training: {@code dx = weight invstd (dy - mean(dy) - xhat mean(dy xhat))}.
 */
public final class BatchNorm1d extends Module {
    private final int features;
    private final float eps, momentum;
    private final Parameter weight, bias;

    public BatchNorm1d(int features, float eps, float momentum) {
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = parameter("weight", Tensor.ones(features));
        this.bias = parameter("bias", Tensor.zeros(features));
        buffer("running_mean", Tensor.zeros(features));
        buffer("running_var", Tensor.ones(features));
        buffer("num_batches_tracked", Tensor.ofInts(new int[] {0}));
    }

    public BatchNorm1d(int features) {
        this(features, 1e-5f, 0.1f);
    }

    public Tensor forward(Tensor x) {
        if (x.dim() < 2 || x.size(1) != features) {
            throw new IllegalArgumentException("BatchNorm1d: input must be (N, " + features + ") or (N, " + features
                    + ", L), got shape " + java.util.Arrays.toString(x.shape()));
        }
        Tensor batchesTracked = bufferValue("num_batches_tracked");
        if (isTraining()) {
            try (var g = dev.attune.tensor.GradMode.noGrad()) {
                batchesTracked.copyFrom(batchesTracked.add(1f));
            }
        }
        return traced(F.batchNorm(x, bufferValue("running_mean"), bufferValue("running_var"), weight.value(), bias.value(), isTraining(), momentum, eps), x);
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + Repr.pyFloat(eps) + ", momentum=" + Repr.pyFloat(momentum) + ", affine=True, track_running_stats=True";
    }

    @Override
    public String math() {
        return "y = (x - mu_c) / sqrt(var_c + eps) * weight_c + bias_c; training: batch statistics, running stats updated with momentum "
                + Repr.pyFloat(momentum) + "; eval: running statistics";
    }
}
