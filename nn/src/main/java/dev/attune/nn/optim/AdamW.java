package dev.attune.nn.optim;

import dev.attune.nn.Parameter;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as torch.optim.AdamW: before
 * the {@link Adam} step (which then has no L2 term), {@code p ← p (1 − γ λ)}. PyTorch's default
 * weight decay here is 0.01. This is the optimizer of the HW4 recipe (lr 1e-3).
 */
public final class AdamW extends Adam {
    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01, false);
    }

    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super("AdamW", params, lr, beta1, beta2, eps, weightDecay, amsgrad, true);
    }
}
