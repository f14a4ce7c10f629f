package dev.attune.nn.optim;

import dev.attune.nn.Parameter;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, as torch.optim.SGD. For each parameter p with
 * gradient g, with weight decay λ, momentum μ, dampening τ and learning rate γ:
 * <pre>
 *   g ← g + λ p
 *   if μ ≠ 0:  b ← g on the first update, else b ← μ b + (1 − τ) g
 *              g ← g + μ b  (Nesterov)   or   g ← b
 *   p ← p − γ g
 * </pre>
 * State: {@code momentum_buffer} b (only when μ ≠ 0).
 */
public final class SGD extends Optimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    /** Plain gradient descent: {@code p ← p − lr g}. */
    public SGD(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super("SGD", params, lr);
        if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: weight_decay must be >= 0, got " + weightDecay);
        if (Double.isNaN(dampening)) throw new IllegalArgumentException("SGD: dampening is NaN");
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and dampening 0, got momentum="
                    + momentum + ", dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(Parameter p, Tensor grad, Map<String, Tensor> state) {
        Tensor w = p.value();
        Tensor d = weightDecay != 0 ? grad.add(w.mul((float) weightDecay)) : grad;
        if (momentum != 0) {
            Tensor buf = state.get("momentum_buffer");
            buf = buf == null ? d.contiguous().copy() : buf.mul((float) momentum).add(d.mul((float) (1 - dampening)));
            state.put("momentum_buffer", buf);
            d = nesterov ? d.add(buf.mul((float) momentum)) : buf;
        }
        p.set(w.add(d.mul((float) -lr())));
    }

    @Override
    protected List<String> stateNames() {
        return momentum != 0 ? List.of("momentum_buffer") : List.of();
    }

    @Override
    public String toString() {
        return "SGD(lr=" + lr() + ", momentum=" + momentum + ", dampening=" + dampening + ", weight_decay=" + weightDecay
                + ", nesterov=" + nesterov + ")";
    }
}
