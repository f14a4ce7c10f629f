package dev.attune.nn;

import dev.attune.tensor.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The named models of the command line ({@code ./attune params NAME}), each built from a seeded generator. */
public final class Models {
    /** A named model and how to build it. */
    public record Entry(String name, String description, Function<Generator, Module> factory) {}

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        for (Hw4Config c : Hw4Config.presets()) {
            add(c.name(), "HW4 speaker classifier: " + c.describe(), g -> new Hw4Classifier(c, g));
        }
    }

    private Models() {}

    private static void add(String name, String description, Function<Generator, Module> factory) {
        ENTRIES.put(name, new Entry(name, description, factory));
    }

    public static List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /** Builds a model by name; an unknown name is an error that lists the known ones. */
    public static Module build(String name, Generator g) {
        Entry e = ENTRIES.get(name);
        if (e == null) throw new IllegalArgumentException("unknown model '" + name + "'; known models: " + String.join(", ", ENTRIES.keySet()));
        return e.factory().apply(g);
    }
}
