package dev.attune.nn;

import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A layer-by-layer table of one forward pass, like torchinfo's summary: for every module call
 * under the root, its dotted name, type, output shape and parameter count (of the module with
 * its descendants), followed by the model's total parameter count.
 *
 * <p>The forward runs once, without recording gradients, under a {@link Tracer}. Rows are in
 * call-tree order: a module comes before the calls made inside its forward, which are indented
 * beneath it. A module called twice appears twice.
 */
public final class Summary {
    /** One module call: {@code depth} 0 is an outermost call (usually the root, whose name is ""). */
    public record Row(String name, String type, int depth, int[] outputShape, long parameters) {}

    private final List<Row> rows;
    private final long total;

    private Summary(List<Row> rows, long total) {
        this.rows = List.copyOf(rows);
        this.total = total;
    }

    /**
     * Runs {@code forward} once (e.g. {@code () -> model.forward(x, mask)}) and records the calls
     * of {@code root} and its descendants.
     */
    public static Summary of(Module root, Supplier<Tensor> forward) {
        List<Tracer.Call> calls;
        try (Tracer tracer = Tracer.start(root); GradMode _ = GradMode.noGrad()) {
            forward.get();
            calls = tracer.calls();
        }
        // Calls finish inner-first; a call's subtree is the run of finished calls just before it
        // whose names lie under its own, so a stack rebuilds the call tree.
        List<Node> pending = new ArrayList<>();
        for (Tracer.Call c : calls) {
            Node node = new Node(c);
            int first = pending.size();
            while (first > 0 && isUnder(pending.get(first - 1).call.name(), c.name())) first--;
            List<Node> inner = pending.subList(first, pending.size());
            node.children.addAll(inner);
            inner.clear();
            pending.add(node);
        }
        List<Row> rows = new ArrayList<>();
        for (Node n : pending) n.flatten(0, rows);
        return new Summary(rows, root.parameterCount());
    }

    private static boolean isUnder(String name, String ancestor) {
        return ancestor.isEmpty() ? !name.isEmpty() : name.startsWith(ancestor + ".");
    }

    private static final class Node {
        final Tracer.Call call;
        final List<Node> children = new ArrayList<>();

        Node(Tracer.Call call) {
            this.call = call;
        }

        void flatten(int depth, List<Row> out) {
            Module m = call.module();
            out.add(new Row(call.name(), m.typeName(), depth, call.output().shape(), m.parameterCount()));
            for (Node c : children) c.flatten(depth + 1, out);
        }
    }

    public List<Row> rows() {
        return rows;
    }

    /** All learnable scalars of the root (each parameter counted once). */
    public long totalParameters() {
        return total;
    }

    /** The table: one line per row, indented by depth, then the total. */
    @Override
    public String toString() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"Layer (type)", "Output shape", "Params"});
        for (Row r : rows) {
            String layer = "  ".repeat(r.depth()) + (r.name().isEmpty() ? r.type() : r.name() + " (" + r.type() + ")");
            cells.add(new String[] {layer, Arrays.toString(r.outputShape()), String.format(Locale.ROOT, "%,d", r.parameters())});
        }
        int[] width = new int[3];
        for (String[] c : cells) for (int k = 0; k < 3; k++) width[k] = Math.max(width[k], c[k].length());
        String rule = "=".repeat(width[0] + width[1] + width[2] + 4);
        StringBuilder sb = new StringBuilder(rule).append('\n');
        for (int i = 0; i < cells.size(); i++) {
            String[] c = cells.get(i);
            sb.append(String.format(Locale.ROOT, "%-" + width[0] + "s  %-" + width[1] + "s  %" + width[2] + "s", c[0], c[1], c[2]).stripTrailing())
                    .append('\n');
            if (i == 0) sb.append(rule).append('\n');
        }
        sb.append(rule).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        return sb.append(rule).toString();
    }
}
