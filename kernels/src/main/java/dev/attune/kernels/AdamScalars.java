package dev.attune.kernels;

/**
 * The float32 scalars of one Adam / AdamW update ({@link Backend#adamStep}), each rounded once
 * from its double-precision value, as torch.optim applies Python floats to float32 tensors:
 * {@code (float) (1 - β1)} is not {@code 1f - (float) β1}, so the kernels take both β and 1 − β.
 *
 * @param beta1                 β1
 * @param oneMinusBeta1         1 − β1
 * @param beta2                 β2
 * @param oneMinusBeta2         1 − β2
 * @param eps                   ε
 * @param weightDecay           how the weight decay enters the update
 * @param decay                 λ for {@link WeightDecay#L2}; the factor 1 − γλ for {@link WeightDecay#DECOUPLED}; unused for NONE
 * @param stepSize              γ / (1 − β1^t)
 * @param biasCorrection2Sqrt   √(1 − β2^t)
 */
public record AdamScalars(float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps,
                          WeightDecay weightDecay, float decay, float stepSize, float biasCorrection2Sqrt) {

    /** No weight decay, λ added to the gradient as an L2 term (Adam), or decoupled (AdamW). */
    public enum WeightDecay { NONE, L2, DECOUPLED }

    public AdamScalars {
        if (weightDecay == null) throw new IllegalArgumentException("AdamScalars: weightDecay must be given");
    }

    /**
     * The scalars of step {@code t} (1 on a parameter's first update) with learning rate {@code lr},
     * computed in double and rounded to float once each. A weight decay of 0 is {@link WeightDecay#NONE}.
     */
    public static AdamScalars of(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled, int t) {
        WeightDecay mode = weightDecay == 0 ? WeightDecay.NONE : decoupled ? WeightDecay.DECOUPLED : WeightDecay.L2;
        double decay = mode == WeightDecay.DECOUPLED ? 1 - lr * weightDecay : weightDecay;
        return new AdamScalars((float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2), (float) eps, mode,
                (float) decay, (float) (lr / (1 - Math.pow(beta1, t))), (float) Math.sqrt(1 - Math.pow(beta2, t)));
    }
}
