package dev.attune.nn;

import dev.attune.tensor.Device;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import dev.attune.tensor.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of every layer and model, as torch.nn.Module: registered parameters, buffers and
 * child modules under PyTorch-style dotted names ({@code encoders.0.self_attn.linear_q.weight}),
 * train/eval mode, state dicts, and a printed module tree.
 *
 * <p>Subclasses register what they own in their constructor ({@link #parameter}, {@link #buffer},
 * {@link #child}) in the order PyTorch does, so that names, order and shapes of
 * {@link #stateDict()} match a PyTorch {@code state_dict}. Forward methods end with
 * {@code return traced(output, inputs...)} so that tracing tools see each call.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---- registration -----------------------------------------------------------------------------

    protected final Parameter parameter(String name, Tensor initial) {
        checkName(name);
        Parameter p = new Parameter(initial);
        parameters.put(name, p);
        return p;
    }

    /** A non-learnable tensor that belongs to the state (e.g. BatchNorm's running statistics). */
    protected final Tensor buffer(String name, Tensor initial) {
        checkName(name);
        Tensor t = initial.detach().contiguous().copy();
        buffers.put(name, t);
        return t;
    }

    /** The current value of buffer {@code name} (it changes object when the module moves device: see {@link #to}). */
    protected final Tensor bufferValue(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": no buffer '" + name + "'");
        return t;
    }

    protected final <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("module member name must be non-empty without '.', got '" + name + "'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is already registered");
        }
    }

    /** Reports a finished forward call to an active {@link Tracer}; returns {@code output}. */
    protected final Tensor traced(Tensor output, Tensor... inputs) {
        Tracer.report(this, output, inputs);
        return output;
    }

    /**
     * Records an intermediate tensor of the forward pass (e.g. attention's q, k, v, scores) for
     * an active {@link Tracer}; a no-op otherwise. Use {@link #tracing()} to skip computing
     * values that exist only to be noted.
     */
    protected final void note(String label, Tensor value) {
        Tracer.note(this, label, value);
    }

    protected static boolean tracing() {
        return Tracer.active();
    }

    /** This layer's forward math in a few lines of plain text, for {@code explain}; empty when it has none to show. */
    public String math() {
        return "";
    }

    // ---- traversal ----------------------------------------------------------------------------------

    /** Direct children in registration order. */
    public Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** Every descendant (not this module) under its dotted name, depth first in registration order. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        children.forEach((name, m) -> {
            out.put(prefix + name, m);
            m.collectModules(prefix + name + ".", out);
        });
    }

    /** Every parameter under its dotted name, in PyTorch's order (own first, then children). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    public List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, Tensor> bs) {
        if (ps != null) parameters.forEach((n, p) -> ps.put(prefix + n, p));
        if (bs != null) buffers.forEach((n, b) -> bs.put(prefix + n, b));
        children.forEach((n, m) -> m.collect(prefix + n + ".", ps, bs));
    }

    /** The device of this module's first parameter or buffer (after {@link #to} they share one), CPU when it has none. */
    public Device device() {
        Tensor first = firstTensor();
        return first == null ? Device.CPU : first.device();
    }

    /** The first parameter or buffer in state-dict order, or null; stops there instead of listing every name. */
    private Tensor firstTensor() {
        for (Parameter p : parameters.values()) return p.value();
        for (Tensor b : buffers.values()) return b;
        for (Module m : children.values()) {
            Tensor t = m.firstTensor();
            if (t != null) return t;
        }
        return null;
    }

    /** Total number of learnable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    // ---- modes and gradients --------------------------------------------------------------------------

    public boolean isTraining() {
        return training;
    }

    /** Training mode for this module and all descendants (dropout active, batch statistics). */
    public Module train() {
        return setTraining(true);
    }

    /** Evaluation mode for this module and all descendants. */
    public Module eval() {
        return setTraining(false);
    }

    private Module setTraining(boolean flag) {
        training = flag;
        children.values().forEach(m -> m.setTraining(flag));
        return this;
    }

    public void zeroGrad() {
        namedParameters().values().forEach(Parameter::zeroGrad);
    }

    /**
     * Moves every parameter (with its gradient) and buffer of this module and its descendants to
     * {@code device}, as torch's {@code module.to(device)}; returns this module. Layers keep
     * their {@link Parameter} holders; buffers are read through {@link #bufferValue}. Create
     * optimizers after moving, so that their state lives on the same device.
     */
    public Module to(Device device) {
        try (var g = dev.attune.tensor.GradMode.noGrad()) {
            parameters.values().forEach(p -> p.moveTo(device));
            buffers.replaceAll((n, b) -> b.to(device));
        }
        children.values().forEach(m -> m.to(device));
        return this;
    }

    // ---- state ----------------------------------------------------------------------------------------

    /** Parameters and buffers under their dotted names (the values themselves, not copies). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p.value()));
        buffers.forEach((n, b) -> out.put(prefix + n, b));
        children.forEach((n, m) -> m.collectState(prefix + n + ".", out));
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers. Strict mode
     * (the default in PyTorch) rejects missing and unexpected keys; shape mismatches are always
     * errors. Every problem is listed by name in one exception, and nothing is copied then.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor mine = own.get(e.getKey());
            if (mine == null) unexpected.add(e.getKey());
            else if (!Arrays.equals(mine.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": expected " + Arrays.toString(mine.shape()) + ", got " + Arrays.toString(e.getValue().shape()));
            }
        }
        List<String> problems = new ArrayList<>();
        if (strict && !missing.isEmpty()) problems.add("missing keys " + missing);
        if (strict && !unexpected.isEmpty()) problems.add("unexpected keys " + unexpected);
        if (!mismatched.isEmpty()) problems.add("shape mismatches " + mismatched);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict(" + getClass().getSimpleName() + "): " + String.join("; ", problems));
        }
        try (var g = dev.attune.tensor.GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                Tensor mine = own.get(e.getKey());
                if (mine != null) mine.copyFrom(e.getValue().to(mine.dtype()).to(mine.device()));
            }
        }
    }

    /** Saves the state dict as safetensors (atomically), with {@code metadata} (e.g. the model configuration). */
    public void save(Path file, Map<String, String> metadata) throws IOException {
        Safetensors.write(file, stateDict(), metadata);
    }

    /** Loads a safetensors state dict strictly; returns the file's metadata. */
    public Map<String, String> load(Path file) throws IOException {
        SafetensorsFile f = Safetensors.read(file);
        loadStateDict(f.tensors(), true);
        return f.metadata();
    }

    // ---- printing ---------------------------------------------------------------------------------------

    /** The constructor arguments worth printing, as PyTorch's extra_repr (e.g. {@code in_features=80, out_features=256}). */
    protected String extraRepr() {
        return "";
    }

    /** The class name PyTorch prints for this module (e.g. {@code Linear}, {@code ReLU}). */
    public String typeName() {
        return getClass().getSimpleName();
    }

    /** PyTorch's module tree: {@code Name(extra)} or {@code Name(\n  (child): ...\n)}. */
    @Override
    public String toString() {
        String name = typeName();
        if (children.isEmpty()) return name + "(" + extraRepr() + ")";
        StringBuilder sb = new StringBuilder(name).append("(");
        String extra = extraRepr();
        if (!extra.isEmpty()) sb.append("\n  ").append(extra.replace("\n", "\n  "));
        children.forEach((n, m) -> sb.append("\n  (").append(n).append("): ").append(m.toString().replace("\n", "\n  ")));
        return sb.append("\n)").toString();
    }
}
