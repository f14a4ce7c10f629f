package dev.attune.nn.train;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.attune.nn.Linear;
import dev.attune.nn.las.CharVocab;
import dev.attune.nn.las.Las;
import dev.attune.nn.optim.Optimizer;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A trained LAS model with everything needed to decode with it, in one safetensors file (the
 * layout of {@link SpeakerCheckpoint}: weights under their own names, optimizer state under
 * {@code optimizer.*}, written atomically), with the metadata:
 * <ul>
 *   <li>{@code format} = {@value #FORMAT}, {@code format_version} = {@value #VERSION}</li>
 *   <li>{@code model}: the preset name; {@code model_config}: the {@link Las.Config} as JSON</li>
 *   <li>{@code vocabulary}: the symbols of the output ids in order, a JSON array (must equal {@link CharVocab}'s)</li>
 *   <li>{@code features}: the {@link SpeakerCheckpoint.Features} as JSON (filterbank settings and normalisation)</li>
 *   <li>{@code max_length}: the decoding length limit; {@code step} and {@code validation_cer}</li>
 * </ul>
 * A model trained with a CTC weight also carries its CTC head (listener width to the vocabulary,
 * {@code <pad>} as the blank) under {@code ctc_head.weight} and {@code ctc_head.bias}, for joint
 * CTC/attention decoding; files without those tensors (older ones included) load with no head.
 *
 * @param model          the model, weights restored, in evaluation mode
 * @param ctcHead        the CTC head trained with it, or null when it was trained without CTC
 * @param name           the preset it was built from (e.g. {@code las-small})
 * @param features       how the frames it reads are computed
 * @param maxLength      the length limit for decoding (symbols)
 * @param step           optimizer steps taken when it was saved
 * @param validationCer  validation CER at that step (NaN when not measured)
 * @param optimizerState the optimizer state, empty when not saved
 */
public record LasCheckpoint(Las model, Linear ctcHead, String name, SpeakerCheckpoint.Features features, int maxLength, int step, double validationCer,
                            Map<String, Tensor> optimizerState) {
    public static final String FORMAT = "attune-las-checkpoint";
    public static final String VERSION = "1";
    /** The prefix of the CTC head's tensors. */
    public static final String CTC_HEAD = "ctc_head.";
    private static final String WHAT = "LAS checkpoint";

    public LasCheckpoint {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(features, "features");
        optimizerState = Map.copyOf(optimizerState);
    }

    /** The symbols of {@link CharVocab}, id by id. */
    public static List<String> vocabulary() {
        List<String> out = new ArrayList<>();
        for (int id = 0; id < CharVocab.size(); id++) out.add(CharVocab.symbol(id));
        return out;
    }

    /** A CTC head for {@code config}: listener states (2 listenerHidden wide) to the vocabulary's logits. */
    public static Linear ctcHead(Las.Config config, Generator g) {
        return new Linear(2 * config.listenerHidden(), config.vocabSize(), g);
    }

    /**
     * Writes the model, its CTC head (skipped when null), {@code optimizer}'s state (skipped when
     * null) and the metadata to {@code file} atomically.
     */
    public static void save(Path file, Las model, Linear ctcHead, String name, Optimizer optimizer, SpeakerCheckpoint.Features features, int maxLength, int step,
                            double validationCer) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("model", name);
        meta.put("model_config", CheckpointFiles.json(model.config()));
        meta.put("vocabulary", CheckpointFiles.json(vocabulary()));
        meta.put("features", CheckpointFiles.json(features));
        meta.put("max_length", Integer.toString(maxLength));
        meta.put("step", Integer.toString(step));
        meta.put("validation_cer", Double.toString(validationCer));
        Map<String, Tensor> weights = new LinkedHashMap<>(model.stateDict());
        if (ctcHead != null) ctcHead.stateDict().forEach((k, v) -> weights.put(CTC_HEAD + k, v));
        CheckpointFiles.write(file, weights, optimizer, meta);
    }

    /** Reads a checkpoint written by {@link #save}, rebuilding the model from its metadata; a wrong or damaged file is an IOException saying why. */
    public static LasCheckpoint load(Path file) throws IOException {
        CheckpointFiles.Contents c = CheckpointFiles.read(file, FORMAT, VERSION, WHAT);
        Map<String, String> meta = c.meta();
        String name = CheckpointFiles.require(file, meta, "model", WHAT);
        Las.Config config = CheckpointFiles.parse(file, meta, "model_config", new TypeReference<Las.Config>() {}, WHAT);
        List<String> vocab = CheckpointFiles.parse(file, meta, "vocabulary", new TypeReference<List<String>>() {}, WHAT);
        if (!vocab.equals(vocabulary())) {
            throw new IOException(file + ": the checkpoint's vocabulary " + vocab + " is not this build's " + vocabulary());
        }
        SpeakerCheckpoint.Features features = CheckpointFiles.parse(file, meta, "features", new TypeReference<SpeakerCheckpoint.Features>() {}, WHAT);
        int maxLength = CheckpointFiles.integer(file, meta, "max_length", WHAT);
        int step = CheckpointFiles.integer(file, meta, "step", WHAT);
        double cer = CheckpointFiles.number(file, meta, "validation_cer", WHAT);
        Map<String, Tensor> weights = new LinkedHashMap<>(), head = new LinkedHashMap<>();
        c.weights().forEach((k, v) -> {
            if (k.startsWith(CTC_HEAD)) head.put(k.substring(CTC_HEAD.length()), v);
            else weights.put(k, v);
        });
        try {
            Las model = new Las(config, new Generator(0));
            model.loadStateDict(weights, true);
            model.eval();
            Linear ctcHead = null;
            if (!head.isEmpty()) {
                ctcHead = ctcHead(config, new Generator(0));
                ctcHead.loadStateDict(head, true);
                ctcHead.eval();
            }
            return new LasCheckpoint(model, ctcHead, name, features, maxLength, step, cer, c.optimizer());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": the weights do not fit the stored model configuration: " + e.getMessage(), e);
        }
    }

    /** One line: model, parameters, whether it has a CTC head, step, validation CER. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%,d parameters%s), step %d, validation CER %.2f%%", name, model.parameterCount(),
                ctcHead == null ? "" : ", CTC head", step, 100 * validationCer);
    }
}
