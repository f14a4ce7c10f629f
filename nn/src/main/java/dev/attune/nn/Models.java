package dev.attune.nn;

import dev.attune.tensor.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The named models of the command line ({@code ./attune params NAME}), each built from a seeded generator. */
public final class Models {
    /** A named model, how to build it, and what one forward pass takes. */
    public record Entry(String name, String description, Function<Generator, Module> factory, Input input) {}

    /**
     * What a model reads (frames of {@code melBins} log-mel features, shape (1, T, melBins)) and
     * how one forward pass runs on such a batch.
     */
    public record Input(int melBins, java.util.function.BiConsumer<Module, dev.attune.tensor.Tensor> runner) {
        public void run(Module m, dev.attune.tensor.Tensor x) {
            runner.accept(m, x);
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        for (Hw4Config c : Hw4Config.presets()) {
            add(c.name(), "HW4 speaker classifier: " + c.describe(), g -> new Hw4Classifier(c, g),
                    new Input(c.nMels(), (m, x) -> ((Hw4Classifier) m).logits(x, null)));
        }
        add("conformer-layer-80", "torchaudio ConformerLayer(input_dim 80, ffn_dim 256, 4 heads, kernel 31)",
                ConformerLayer::conformerLayer80, new Input(80, (m, x) -> ((ConformerLayer) m).forward(x.transpose(0, 1), null)));
        add("wenet-conformer-256", "WeNet Conformer encoder: Conv2dSubsampling4, 12 blocks, d 256, 4 heads, linear_units 2048, kernel 15",
                ConformerEncoder::wenet256, new Input(80, (m, x) -> ((ConformerEncoder) m).forward(x, lengthsOf(x))));
        add("paddle-conformer-512", "PaddleSpeech Conformer encoder: Conv2dSubsampling4, 12 blocks, d 512, 8 heads, linear_units 2048, kernel 15",
                ConformerEncoder::paddle512, new Input(80, (m, x) -> ((ConformerEncoder) m).forward(x, lengthsOf(x))));
        add("las-small", "Listen-Attend-Spell: listener BLSTM 128 + 2 pyramid layers, speller LSTM 256 x 2, "
                + dev.attune.nn.las.CharVocab.size() + " characters", g -> dev.attune.nn.las.Las.small(dev.attune.nn.las.CharVocab.size(), g),
                new Input(40, (m, x) -> ((dev.attune.nn.las.Las) m).listen(x, new int[] {x.size(1)})));
        add("las-tiny", "Listen-Attend-Spell: listener BLSTM 64 + 3 pyramid layers, speller LSTM 128 x 1, "
                + dev.attune.nn.las.CharVocab.size() + " characters",
                g -> new dev.attune.nn.las.Las(dev.attune.nn.las.Las.Config.tiny(dev.attune.nn.las.CharVocab.size()), g),
                new Input(40, (m, x) -> ((dev.attune.nn.las.Las) m).listen(x, new int[] {x.size(1)})));
    }

    private Models() {}

    /** Every utterance of the batch is full length. */
    private static dev.attune.tensor.Tensor lengthsOf(dev.attune.tensor.Tensor x) {
        int[] lengths = new int[x.size(0)];
        java.util.Arrays.fill(lengths, x.size(1));
        return dev.attune.tensor.Tensor.ofInts(lengths, lengths.length);
    }

    private static void add(String name, String description, Function<Generator, Module> factory, Input input) {
        ENTRIES.put(name, new Entry(name, description, factory, input));
    }

    public static List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /** Builds a model by name; an unknown name is an error that lists the known ones. */
    public static Module build(String name, Generator g) {
        return entry(name).factory().apply(g);
    }

    public static Input input(String name) {
        return entry(name).input();
    }

    private static Entry entry(String name) {
        Entry e = ENTRIES.get(name);
        if (e == null) throw new IllegalArgumentException("unknown model '" + name + "'; known models: " + String.join(", ", ENTRIES.keySet()));
        return e;
    }
}
