package dev.attune.nn.optim;

import dev.attune.kernels.DType;
import dev.attune.nn.Parameter;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of the optimizers, as torch.optim.Optimizer with one parameter group: a fixed list of
 * parameters, a learning rate that a schedule may change between steps, and per-parameter
 * state (moment buffers, step counts) that can be saved and restored by name.
 *
 * <p>{@link #step()} updates, under {@link GradMode#noGrad()}, every parameter that has a
 * gradient; parameters without one are skipped and their state is left alone, as in PyTorch.
 * Subclasses may update state tensors in place ({@link Adam} does); {@link #state()} therefore
 * returns copies, so a map it returned is a snapshot that later steps do not change.
 *
 * <p>State names: {@code step} (int32 scalar, the number of {@link #step()} calls) and
 * {@code state.<i>.<name>} for parameter {@code i} in list order, with the buffer names of
 * PyTorch's optimizer {@code state_dict} ({@code momentum_buffer}, {@code step},
 * {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq}). The learning rate is not part
 * of the state: a trainer restores it from its schedule and step.
 */
public abstract class Optimizer {
    private final String name;
    private final List<Parameter> params;
    private final List<Map<String, Tensor>> state = new ArrayList<>();
    private double lr;
    private int steps;

    protected Optimizer(String name, List<Parameter> params, double lr) {
        this.name = name;
        if (params == null || params.isEmpty()) throw new IllegalArgumentException(name + ": the parameter list is empty");
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p == null) throw new IllegalArgumentException(name + ": parameter " + i + " is null");
            if (seen.put(p, true) != null) throw new IllegalArgumentException(name + ": parameter " + i + " appears more than once");
            state.add(new LinkedHashMap<>());
        }
        this.params = List.copyOf(params);
        setLr(lr);
    }

    /** The parameters in the order given (the indices used by {@link #state()}). */
    public List<Parameter> parameters() {
        return params;
    }

    public double lr() {
        return lr;
    }

    /** The learning rate for the following steps (e.g. base lr times a schedule's factor). */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException(name + ": learning rate must be finite and >= 0, got " + lr);
        this.lr = lr;
    }

    /** How many times {@link #step()} has run (restored by {@link #loadState}). */
    public int steps() {
        return steps;
    }

    /** One update of every parameter that has a gradient. */
    public final void step() {
        try (GradMode _ = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                Tensor grad = p.grad();
                if (grad != null) update(p, grad, state.get(i));
            }
        }
        steps++;
    }

    /** Clears the gradients of all parameters (they are then skipped until the next backward). */
    public void zeroGrad() {
        params.forEach(Parameter::zeroGrad);
    }

    /**
     * Updates one parameter from its gradient (called without grad recording). {@code state} is
     * this parameter's buffers, empty before its first update; put replaced tensors back into it.
     */
    protected abstract void update(Parameter p, Tensor grad, Map<String, Tensor> state);

    /** The buffer names a parameter's state holds once it has been updated, in saving order. */
    protected abstract List<String> stateNames();

    // ---- state ------------------------------------------------------------------------------------

    /**
     * The live state buffers of every parameter (not copies), e.g. for {@link dev.attune.tensor.MemoryScope#keep}:
     * the first step creates them inside the step's scope, and the next steps need them.
     */
    public List<Tensor> stateTensors() {
        List<Tensor> out = new ArrayList<>();
        for (Map<String, Tensor> s : state) out.addAll(s.values());
        return out;
    }

    /** The step count and copies of every parameter's buffers under their names (a snapshot: later steps do not change it). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", Tensor.ofInts(new int[] {steps}));
        for (int i = 0; i < params.size(); i++) {
            for (Map.Entry<String, Tensor> e : state.get(i).entrySet()) out.put("state." + i + "." + e.getKey(), e.getValue().detach().copy());
        }
        return out;
    }

    /**
     * Replaces the step count and all buffers with those in {@code saved} (as written by
     * {@link #state()}); parameters with no entries start fresh. A parameter's entries must be
     * complete. Unknown names, incomplete or missing entries and wrong shapes are all listed
     * in one IllegalArgumentException, and nothing is changed then.
     */
    public void loadState(Map<String, Tensor> saved) {
        List<String> problems = new ArrayList<>();
        List<String> names = stateNames();
        List<Map<String, Tensor>> loaded = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) loaded.add(new LinkedHashMap<>());
        Tensor stepTensor = saved.get("step");
        if (stepTensor == null) problems.add("missing 'step'");
        else if (stepTensor.numel() != 1) problems.add("'step' must have one element, got shape " + Arrays.toString(stepTensor.shape()));
        for (Map.Entry<String, Tensor> e : saved.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) continue;
            String[] parts = key.split("\\.", 3);
            int index = parts.length == 3 && parts[0].equals("state") ? parseIndex(parts[1]) : -1;
            if (index < 0 || index >= params.size() || !names.contains(parts[2])) {
                problems.add("unexpected '" + key + "'");
                continue;
            }
            Tensor t = e.getValue();
            int[] expected = parts[2].equals("step") ? null : params.get(index).shape();
            if (expected == null ? t.numel() != 1 : !Arrays.equals(expected, t.shape())) {
                problems.add("'" + key + "': expected shape " + (expected == null ? "[] (one element)" : Arrays.toString(expected))
                        + ", got " + Arrays.toString(t.shape()));
                continue;
            }
            loaded.get(index).put(parts[2], t);
        }
        for (int i = 0; i < params.size(); i++) {
            Map<String, Tensor> m = loaded.get(i);
            if (m.isEmpty()) continue;
            for (String n : names) if (!m.containsKey(n)) problems.add("missing 'state." + i + "." + n + "'");
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(name + ".loadState: " + String.join("; ", problems));

        steps = (int) stepTensor.item();
        for (int i = 0; i < params.size(); i++) {
            Map<String, Tensor> target = state.get(i);
            target.clear();
            for (String n : names) {
                Tensor t = loaded.get(i).get(n);
                if (t == null) continue;
                // own copies, in the layout update() expects: int32 scalar counts, float32 buffers on the parameter's device
                target.put(n, n.equals("step") ? count((int) t.item())
                        : t.detach().to(DType.FLOAT32).contiguous().copy().to(params.get(i).value().device()));
            }
        }
    }

    private static int parseIndex(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- helpers for subclasses ----------------------------------------------------------------------

    /** A per-parameter step count as stored in the state. */
    protected static Tensor count(int n) {
        return Tensor.ofInts(new int[] {n});
    }

    /** A 0-dim float on {@code like}'s device, for ops that must match PyTorch's tensor-by-scalar rounding. */
    protected static Tensor scalar(double v, Tensor like) {
        return Tensor.full((float) v, like.device());
    }

    protected String name() {
        return name;
    }
}
