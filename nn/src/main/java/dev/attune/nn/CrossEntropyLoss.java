package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Tensor;

/**
 * torch.nn.CrossEntropyLoss over class-index targets: logits (N, C) or (N, C, d...), int32
 * targets (N) or (N, d...). With label smoothing e,
 * {@code loss_i = (1 - e)(-log p[i, t_i]) + e mean_c(-log p[i, c])}, averaged over targets that
 * are not {@code ignoreIndex} (or summed, or returned per element).
 * Backward: {@code d loss_i / d logits_i = softmax_i - ((1 - e) onehot(t_i) + e / C)}.
 */
public final class CrossEntropyLoss extends Module {
    private final int ignoreIndex;
    private final float labelSmoothing;
    private final F.Reduction reduction;

    public CrossEntropyLoss(int ignoreIndex, float labelSmoothing, F.Reduction reduction) {
        if (labelSmoothing < 0f || labelSmoothing > 1f) {
            throw new IllegalArgumentException("CrossEntropyLoss: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
        this.reduction = reduction;
    }

    /** Mean loss, ignore_index -100, no smoothing: torch's defaults. */
    public CrossEntropyLoss() {
        this(-100, 0f, F.Reduction.MEAN);
    }

    public Tensor forward(Tensor logits, Tensor target) {
        return traced(F.crossEntropy(logits, target, ignoreIndex, labelSmoothing, reduction), logits, target);
    }

    @Override
    public String math() {
        return "loss_i = (1 - e)(-log softmax(x_i)[t_i]) + e mean_c(-log softmax(x_i)[c]), e = " + Repr.pyFloat(labelSmoothing);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss()";
    }
}
