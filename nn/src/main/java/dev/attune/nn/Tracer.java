package dev.attune.nn;

import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records every module call made on this thread while open: which module (by its dotted name
 * under the root), its inputs and its output, in the order the calls finish. This is what
 * {@code summary} and {@code explain} print. Modules report through {@link Module#traced}.
 */
public final class Tracer implements AutoCloseable {
    private static final ThreadLocal<Tracer> ACTIVE = new ThreadLocal<>();

    /** One finished call, with the intermediate tensors the module noted while it ran. */
    public record Call(String name, Module module, List<Tensor> inputs, Tensor output, Map<String, Tensor> intermediates) {}

    private final Map<Module, String> names = new IdentityHashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final Map<Module, Map<String, Tensor>> pendingNotes = new IdentityHashMap<>();
    private final Tracer previous;

    private Tracer(Module root) {
        names.put(root, "");
        root.namedModules().forEach((name, m) -> names.putIfAbsent(m, name));
        previous = ACTIVE.get();
        ACTIVE.set(this);
    }

    /** Starts recording calls of {@code root} and its descendants. */
    public static Tracer start(Module root) {
        return new Tracer(root);
    }

    static void report(Module m, Tensor output, Tensor[] inputs) {
        Tracer t = ACTIVE.get();
        if (t == null) return;
        String name = t.names.get(m);
        if (name == null) return;
        Map<String, Tensor> notes = t.pendingNotes.remove(m);
        // Inputs may be null (optional masks).
        t.calls.add(new Call(name, m, Collections.unmodifiableList(Arrays.asList(inputs.clone())), output,
                notes == null ? Map.of() : Collections.unmodifiableMap(notes)));
    }

    /** Whether a tracer is recording on this thread (modules skip building notes otherwise). */
    static boolean active() {
        return ACTIVE.get() != null;
    }

    static void note(Module m, String label, Tensor value) {
        Tracer t = ACTIVE.get();
        if (t == null || !t.names.containsKey(m)) return;
        t.pendingNotes.computeIfAbsent(m, k -> new java.util.LinkedHashMap<>()).put(label, value);
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void close() {
        ACTIVE.set(previous);
    }
}
