package dev.attune.nn.optim;

import dev.attune.kernels.AdamScalars;
import dev.attune.nn.Parameter;
import dev.attune.tensor.F;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015), as torch.optim.Adam, with weight decay as an L2 term added to
 * the gradient. For each parameter p with gradient g, at its own step count t (1 on its first
 * update), learning rate γ, betas β1, β2, weight decay λ:
 * <pre>
 *   g ← g + λ p
 *   m ← β1 m + (1 − β1) g                v ← β2 v + (1 − β2) g²
 *   v̂max ← max(v̂max, v)  (AMSGrad, used instead of v below)
 *   p ← p − γ / (1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 * State: {@code step} t, {@code exp_avg} m, {@code exp_avg_sq} v, and {@code max_exp_avg_sq}
 * with AMSGrad. {@link AdamW} decouples the weight decay instead.
 *
 * <p>Each parameter's update is one fused pass ({@link F#adamStep}) that overwrites the parameter
 * and its buffers in place, with the float32 operations of the tensor-op composition above in
 * their order (the same bits), without allocating. In place is safe here: a {@link Parameter}'s
 * value is a dense tensor of its own storage (layers and {@code stateDict} see the update, as they
 * did through {@link Parameter#set}), the buffers are created or loaded ({@link #loadState}) as
 * copies that only this optimizer holds, and {@link #state()} hands out copies.
 */
public class Adam extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean amsgrad, decoupled;

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    public Adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this("Adam", params, lr, beta1, beta2, eps, weightDecay, amsgrad, false);
    }

    Adam(String name, List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
            boolean amsgrad, boolean decoupled) {
        super(name, params, lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(name + ": betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps >= 0)) throw new IllegalArgumentException(name + ": eps must be >= 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException(name + ": weight_decay must be >= 0, got " + weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
        this.decoupled = decoupled;
    }

    @Override
    protected final void update(Parameter p, Tensor grad, Map<String, Tensor> state) {
        Tensor w = p.value();
        if (state.isEmpty()) {
            state.put("step", count(0));
            state.put("exp_avg", Tensor.zerosLike(w));
            state.put("exp_avg_sq", Tensor.zerosLike(w));
            if (amsgrad) state.put("max_exp_avg_sq", Tensor.zerosLike(w));
        }
        int t = (int) state.get("step").item() + 1;
        state.put("step", count(t));
        // One fused pass, in place; the scalar factors are computed in double and applied as float32, as PyTorch does.
        F.adamStep(w, grad, state.get("exp_avg"), state.get("exp_avg_sq"), amsgrad ? state.get("max_exp_avg_sq") : null,
                AdamScalars.of(lr(), beta1, beta2, eps, weightDecay, decoupled, t));
    }

    @Override
    protected final List<String> stateNames() {
        return amsgrad ? List.of("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq") : List.of("step", "exp_avg", "exp_avg_sq");
    }

    @Override
    public String toString() {
        return name() + "(lr=" + lr() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay=" + weightDecay
                + ", amsgrad=" + amsgrad + ")";
    }
}
