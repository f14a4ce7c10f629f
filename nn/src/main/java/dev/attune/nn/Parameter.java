package dev.attune.nn;

import dev.attune.tensor.Device;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;

/**
 * A learnable tensor owned by a module: a float32 leaf that requires grad. The holder lets
 * optimizers, {@code loadStateDict} and {@code to(device)} replace or update the value in place
 * while layers keep referring to the same parameter.
 */
public final class Parameter {
    private Tensor value;

    public Parameter(Tensor initial) {
        this.value = initial.detach().contiguous().copy().requiresGrad(true);
    }

    /** The current value (a leaf that requires grad); use it in forward computations. */
    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return value.grad();
    }

    public int[] shape() {
        return value.shape();
    }

    public int numel() {
        return value.numel();
    }

    /** Overwrites the values (same shape), outside the graph; the gradient is kept. */
    public void set(Tensor newValue) {
        try (GradMode g = GradMode.noGrad()) {
            value.copyFrom(newValue);
        }
    }

    /** Replaces the value by a copy on {@code device} (a new leaf that requires grad), moving the gradient too. */
    void moveTo(Device device) {
        if (value.device() == device) return;
        Tensor g = value.grad();
        value = value.detach().to(device).requiresGrad(true);
        if (g != null) value.setGrad(g.to(device));
    }

    public void zeroGrad() {
        value.setGrad(null);
    }
}
