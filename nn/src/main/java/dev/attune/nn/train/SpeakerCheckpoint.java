package dev.attune.nn.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.audio.Cmvn;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.optim.Optimizer;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import dev.attune.tensor.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A trained speaker classifier with everything needed to use it again, in one safetensors file:
 * the model's state dict under its own names, the optimizer state under {@code optimizer.*}
 * (absent in a weights-only file), and in the metadata:
 * <ul>
 *   <li>{@code format} = {@value #FORMAT}, {@code format_version} = {@value #VERSION}</li>
 *   <li>{@code model_config}: the {@link Hw4Config} as JSON (with the actual {@code nMels} and {@code nSpeakers})</li>
 *   <li>{@code labels}: the speaker names in class order, a JSON array</li>
 *   <li>{@code features}: the {@link Features} as JSON (filterbank settings and normalisation)</li>
 *   <li>{@code step} and {@code validation_accuracy}</li>
 * </ul>
 * {@link #load} rebuilds the model from this metadata alone; files are written atomically.
 *
 * @param model              the classifier, its weights restored
 * @param labels             speaker names; class {@code i} is {@code labels.get(i)}
 * @param features           how the features the model reads are computed
 * @param step               optimizer steps taken when it was saved
 * @param validationAccuracy validation accuracy at that step (NaN when not measured)
 * @param optimizerState     the optimizer state ({@link Optimizer#state()} names), empty when not saved
 */
public record SpeakerCheckpoint(Hw4Classifier model, List<String> labels, Features features, int step, double validationAccuracy,
                                Map<String, Tensor> optimizerState) {

    public static final String FORMAT = "attune-speaker-checkpoint";
    public static final String VERSION = "1";
    static final String OPTIMIZER_PREFIX = "optimizer.";

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /**
     * How an utterance becomes the frames the model reads.
     *
     * @param source        {@code fbank} (log-mel filterbank of a WAV file with {@code fbank}'s settings),
     *                      {@code sphinx-mfc} (AN4 cepstra as stored) or {@code precomputed} (HW4 feature tensors as stored)
     * @param fbank         filterbank settings; null unless {@code source} is {@code fbank}
     * @param normalisation {@code utterance-cmvn} (per-utterance mean and variance) or {@code none}
     */
    public record Features(String source, FbankOptions fbank, String normalisation) {
        public static final String UTTERANCE_CMVN = "utterance-cmvn";
        public static final String NONE = "none";

        public Features {
            if (!List.of("fbank", "sphinx-mfc", "precomputed").contains(source)) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: unknown source '" + source + "' (fbank, sphinx-mfc, precomputed)");
            }
            if (source.equals("fbank") != (fbank != null)) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: filterbank settings are required for source fbank and only for it");
            }
            if (!normalisation.equals(UTTERANCE_CMVN) && !normalisation.equals(NONE)) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: unknown normalisation '" + normalisation + "' (utterance-cmvn, none)");
            }
        }

        /** 40-bin Kaldi fbank with per-utterance CMVN: the settings for WAV corpora. */
        public static Features fbankCmvn(FbankOptions options) {
            return new Features("fbank", options, UTTERANCE_CMVN);
        }

        /** Applies the normalisation to raw features (a new matrix, or {@code raw} itself for {@code none}). */
        public float[][] normalise(float[][] raw) {
            return normalisation.equals(UTTERANCE_CMVN) ? Cmvn.perUtterance(raw, true) : raw;
        }
    }

    public SpeakerCheckpoint {
        Objects.requireNonNull(model, "model");
        labels = List.copyOf(labels);
        Objects.requireNonNull(features, "features");
        optimizerState = Map.copyOf(optimizerState);
        if (labels.size() != model.config().nSpeakers()) {
            throw new IllegalArgumentException("SpeakerCheckpoint: " + labels.size() + " labels for a model of "
                    + model.config().nSpeakers() + " speakers");
        }
    }

    /** {@code preset} resized to {@code nMels} inputs and {@code nSpeakers} classes. */
    public static Hw4Config configFor(Hw4Config preset, int nMels, int nSpeakers) {
        Hw4Config c = preset;
        return new Hw4Config(c.name(), c.dModel(), c.nHeads(), c.ffnDim(), c.layers(), nMels, nSpeakers, c.dropout(), c.pooling(),
                c.head(), c.encoder(), c.convKernel(), c.amScale(), c.amMargin());
    }

    /**
     * Writes {@code model}'s weights, {@code optimizer}'s state (skipped when null) and the metadata
     * to {@code file} atomically: a reader never sees a half-written file, and a failed write
     * leaves the previous one in place.
     */
    public static void save(Path file, Hw4Classifier model, Optimizer optimizer, List<String> labels, Features features, int step,
                            double validationAccuracy) throws IOException {
        if (labels.size() != model.config().nSpeakers()) {
            throw new IllegalArgumentException("SpeakerCheckpoint.save: " + labels.size() + " labels for a model of "
                    + model.config().nSpeakers() + " speakers");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.stateDict());
        if (optimizer != null) optimizer.state().forEach((k, v) -> tensors.put(OPTIMIZER_PREFIX + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("model_config", json(model.config()));
        meta.put("labels", json(labels));
        meta.put("features", json(features));
        meta.put("step", Integer.toString(step));
        meta.put("validation_accuracy", Double.toString(validationAccuracy));
        Safetensors.write(file, tensors, meta);
    }

    /**
     * Reads a checkpoint written by {@link #save}: builds the model from {@code model_config},
     * loads its weights strictly and returns it in evaluation mode. A file that is not an Attune
     * speaker checkpoint, or whose metadata is damaged, is an IOException saying what is wrong.
     */
    public static SpeakerCheckpoint load(Path file) throws IOException {
        SafetensorsFile f = Safetensors.read(file);
        Map<String, String> meta = f.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IOException(file + " is not an Attune speaker checkpoint (metadata 'format' is "
                    + (meta.containsKey("format") ? "'" + meta.get("format") + "'" : "missing") + ", expected '" + FORMAT + "')");
        }
        if (!VERSION.equals(meta.get("format_version"))) {
            throw new IOException(file + ": unsupported speaker checkpoint version '" + meta.get("format_version") + "' (this build reads " + VERSION + ")");
        }
        Hw4Config config = parse(file, meta, "model_config", new TypeReference<Hw4Config>() {});
        List<String> labels = parse(file, meta, "labels", new TypeReference<List<String>>() {});
        Features features = parse(file, meta, "features", new TypeReference<Features>() {});
        int step;
        double accuracy;
        try {
            step = Integer.parseInt(require(file, meta, "step"));
            accuracy = Double.parseDouble(require(file, meta, "validation_accuracy"));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": damaged speaker checkpoint metadata: " + e.getMessage(), e);
        }
        Map<String, Tensor> weights = new LinkedHashMap<>(), optimizer = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> {
            if (k.startsWith(OPTIMIZER_PREFIX)) optimizer.put(k.substring(OPTIMIZER_PREFIX.length()), v);
            else weights.put(k, v);
        });
        Hw4Classifier model;
        try {
            model = new Hw4Classifier(config, new Generator(0));
            model.loadStateDict(weights, true);
            return new SpeakerCheckpoint((Hw4Classifier) model.eval(), labels, features, step, accuracy, optimizer);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": the weights do not fit the stored model configuration: " + e.getMessage(), e);
        }
    }

    /** The speaker name of class {@code index}. */
    public String label(int index) {
        return labels.get(index);
    }

    /** One line: model, speakers, step, validation accuracy. */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %d speakers, step %d, validation accuracy %.4f", model.config().name(), labels.size(), step,
                validationAccuracy);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("SpeakerCheckpoint: cannot write " + value + " as JSON", e);
        }
    }

    private static String require(Path file, Map<String, String> meta, String key) throws IOException {
        String v = meta.get(key);
        if (v == null) throw new IOException(file + ": damaged speaker checkpoint: metadata '" + key + "' is missing");
        return v;
    }

    private static <T> T parse(Path file, Map<String, String> meta, String key, TypeReference<T> type) throws IOException {
        String v = require(file, meta, key);
        try {
            T value = JSON.readValue(v, type);
            if (value == null) throw new IOException(file + ": damaged speaker checkpoint: metadata '" + key + "' is null");
            return value;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IOException(file + ": damaged speaker checkpoint: metadata '" + key + "' cannot be read: " + e.getMessage(), e);
        }
    }
}
