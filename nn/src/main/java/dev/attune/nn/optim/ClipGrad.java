package dev.attune.nn.optim;

import dev.attune.nn.Parameter;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Gradient clipping, as torch.nn.utils.clip_grad_norm_. */
public final class ClipGrad {
    private ClipGrad() {}

    /**
     * Scales all gradients together so that their joint L2 norm is at most {@code maxNorm}:
     * with {@code total = sqrt(sum over parameters of |g|²)}, every gradient is multiplied by
     * {@code min(1, maxNorm / (total + 1e-6))}. Parameters without a gradient are ignored.
     *
     * @return the total norm before clipping (0 when no parameter has a gradient). When it is
     *         not finite the gradients become NaN, as in PyTorch; callers may check and skip the step.
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("clipGradNorm: maxNorm must be >= 0, got " + maxNorm);
        try (GradMode _ = GradMode.noGrad()) {
            List<Parameter> withGrad = new ArrayList<>();
            List<Tensor> norms = new ArrayList<>();
            for (Parameter p : params) {
                Tensor grad = p.grad();
                if (grad == null) continue;
                withGrad.add(p);
                // per-gradient norms first, then the norm of those, in float32 as PyTorch does
                norms.add(grad.mul(grad).sum().sqrt());
            }
            if (norms.isEmpty()) return 0;
            Tensor stacked = Tensor.stack(0, norms.toArray(Tensor[]::new));
            double total = stacked.mul(stacked).sum().sqrt().item();
            // Math.min keeps a NaN coefficient, as PyTorch's clamp does
            double coef = Math.min(maxNorm / (total + 1e-6), 1.0);
            if (coef != 1.0) {
                for (Parameter p : withGrad) p.value().setGrad(p.grad().mul((float) coef));
            }
            return total;
        }
    }
}
