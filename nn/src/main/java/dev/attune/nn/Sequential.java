package dev.attune.nn;

import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Children named 0, 1, 2, ... applied in order, as torch.nn.Sequential (and, used without
 * {@link #forward}, as torch.nn.ModuleList). Each child must be a single-input layer.
 */
public final class Sequential extends Module {
    private final List<UnaryOperator<Tensor>> steps = new ArrayList<>();
    private final List<Module> modules = new ArrayList<>();

    /** Appends a child; {@code forward} is how it maps one tensor (e.g. {@code layer::forward}). */
    public <M extends Module> M add(M module, UnaryOperator<Tensor> forward) {
        child(Integer.toString(modules.size()), module);
        modules.add(module);
        steps.add(forward);
        return module;
    }

    /**
     * Appends a Linear and the activation after it as two children (named as two PyTorch layers)
     * computed in one step, {@link Linear#forward(Tensor, Activation)}, which fuses the bias and an
     * elementwise activation.
     */
    public void addLinearActivation(Linear linear, Activation activation) {
        add(linear, x -> linear.forward(x, activation));
        add(activation, x -> x);
    }

    /** Appends a child that is only iterated over, never called by {@link #forward} (ModuleList use). */
    public <M extends Module> M add(M module) {
        return add(module, x -> {
            throw new IllegalStateException("Sequential: child " + module.getClass().getSimpleName() + " has no single-input forward");
        });
    }

    public Module get(int i) {
        return modules.get(i);
    }

    public int size() {
        return modules.size();
    }

    public Tensor forward(Tensor x) {
        Tensor y = x;
        for (UnaryOperator<Tensor> step : steps) y = step.apply(y);
        return traced(y, x);
    }
}
