package dev.attune.cli;

import dev.attune.nn.Models;
import dev.attune.nn.Module;
import dev.attune.nn.Tracer;
import dev.attune.nn.audio.Fbank;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.audio.WavReader;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code attune explain MODEL}: one real utterance through a freshly initialised model, printed
 * sub-module by sub-module (name, type, input and output shapes, value statistics), in the
 * order the calls finish. {@code --layer NAME} adds that layer's math and its intermediate tensors.
 */
@Command(name = "explain", description = "Walk one FSDD utterance through a model and print every sub-module's shapes and statistics.")
final class ExplainCommand extends AttuneCommand {

    @Parameters(paramLabel = "MODEL", description = "Model name (see `attune params`).")
    private String model;

    @Option(names = "--layer", paramLabel = "NAME", description = "Also print this sub-module's math and intermediate tensors (e.g. encoder_layer.self_attn).")
    private String layer;

    @Option(names = "--wav", paramLabel = "FILE", description = "The utterance (default: an FSDD recording shipped with or beside the repository).")
    private Path wav;

    @Option(names = "--seed", description = "Seed of the random initial weights (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    private long seed;

    @Override
    public Integer call() throws IOException {
        Module m = Models.build(model, new Generator(seed));
        if (layer != null && !m.namedModules().containsKey(layer)) {
            throw new IllegalArgumentException("explain: model " + model + " has no sub-module '" + layer + "'; its sub-modules are "
                    + String.join(", ", m.namedModules().keySet()));
        }
        Models.Input input = Models.input(model);
        Path file = wav != null ? wav : defaultUtterance();
        float[][] feats = Fbank.compute(WavReader.read(file), FbankOptions.DEFAULTS.withNumMelBins(input.melBins()));
        float[] flat = new float[feats.length * input.melBins()];
        for (int t = 0; t < feats.length; t++) System.arraycopy(feats[t], 0, flat, t * input.melBins(), input.melBins());
        Tensor x = Tensor.of(flat, 1, feats.length, input.melBins());
        out().printf("model %s (%d parameters, random initial weights, eval mode)%n", model, m.parameterCount());
        out().printf("input %s: %d frames of %d log-mel bins, %s%n%n", file.getFileName(), feats.length, input.melBins(), stats(x));
        m.eval();
        List<Tracer.Call> calls;
        try (GradMode g = GradMode.noGrad(); Tracer tracer = Tracer.start(m)) {
            input.run(m, x);
            calls = tracer.calls();
        }
        for (Tracer.Call c : calls) {
            String name = c.name().isEmpty() ? "(model)" : c.name();
            out().printf("%-40s %-32s in %-16s out %-16s %s%n", name, c.module().typeName(), shape(c.inputs().isEmpty() ? null : c.inputs().get(0)),
                    shape(c.output()), stats(c.output()));
            if (c.name().equals(layer)) details(c);
        }
        return 0;
    }

    private void details(Tracer.Call c) {
        String math = c.module().math();
        out().println("  math:");
        for (String line : (math.isEmpty() ? "(composite: see the sub-modules above)" : math).split("\n")) out().println("    " + line);
        for (Map.Entry<String, Tensor> e : c.intermediates().entrySet()) {
            out().printf("  %-48s %-18s %s%n", e.getKey(), shape(e.getValue()), stats(e.getValue()));
        }
    }

    /** An FSDD recording: the shipped copy when present, else the shared data folder beside the repository. */
    private static Path defaultUtterance() {
        for (Path dir : new Path[] {home().resolve("examples/data/fsdd/recordings"), home().resolve("../shared/data/fsdd/recordings")}) {
            Path p = dir.resolve("7_theo_10.wav");
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalArgumentException("explain: no FSDD recording found under examples/data/fsdd or ../shared/data/fsdd; pass --wav FILE");
    }

    private static String shape(Tensor t) {
        return t == null ? "-" : java.util.Arrays.toString(t.shape()).replace(" ", "");
    }

    private static String stats(Tensor t) {
        if (t == null || t.numel() == 0 || !t.dtype().isFloating()) return "";
        float[] v = t.toFloatArray();
        double sum = 0, sq = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        int finite = 0;
        for (float f : v) {
            if (!Float.isFinite(f)) continue;
            finite++;
            sum += f;
            sq += (double) f * f;
            min = Math.min(min, f);
            max = Math.max(max, f);
        }
        if (finite == 0) return "all non-finite";
        double mean = sum / finite, std = Math.sqrt(Math.max(0, sq / finite - mean * mean));
        String s = String.format(Locale.ROOT, "mean %+.4f std %.4f min %+.4f max %+.4f", mean, std, min, max);
        return finite < v.length ? s + " (" + (v.length - finite) + " non-finite, e.g. masked -inf)" : s;
    }
}
