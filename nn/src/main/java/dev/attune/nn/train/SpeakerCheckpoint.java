package dev.attune.nn.train;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.audio.Cmvn;
import dev.attune.nn.audio.Deltas;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.data.FeatureExtractor;
import dev.attune.nn.data.Utterance;
import dev.attune.nn.optim.Optimizer;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
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
    private static final String WHAT = "speaker checkpoint";

    /**
     * How an utterance becomes the frames the model reads.
     *
     * <p>Speaker identity lives largely in the long-term spectral envelope, which per-utterance
     * CMVN subtracts away; {@code global-cmvn} keeps it by normalising every utterance with one
     * mean and scale per bin, fitted on the training utterances ({@link #fittedTo}) and stored here
     * so that evaluation and prediction normalise exactly as training did.
     *
     * @param source        {@code fbank} (log-mel filterbank of a WAV file with {@code fbank}'s settings),
     *                      {@code sphinx-mfc} (AN4 cepstra as stored) or {@code precomputed} (HW4 feature tensors as stored)
     * @param fbank         filterbank settings; null unless {@code source} is {@code fbank}
     * @param normalisation {@code global-cmvn} (one mean and scale per bin for the whole corpus),
     *                      {@code utterance-cmvn} (each utterance's own mean and variance) or {@code none}
     * @param cmvnMean      per-bin mean of {@code global-cmvn}; null before fitting and for the other normalisations
     * @param cmvnScale     per-bin factor (1 / standard deviation) of {@code global-cmvn}, null likewise
     * @param deltas        time derivatives appended to each frame before normalising ({@link Deltas}): 0 none
     *                      (the default, and what files written before this field mean), 1 deltas, 2 deltas and
     *                      delta-deltas (13 cepstra become 39 values)
     */
    public record Features(String source, FbankOptions fbank, String normalisation, float[] cmvnMean, float[] cmvnScale, int deltas) {
        public static final String GLOBAL_CMVN = "global-cmvn";
        public static final String UTTERANCE_CMVN = "utterance-cmvn";
        public static final String NONE = "none";

        public Features {
            if (!List.of("fbank", "sphinx-mfc", "precomputed").contains(source)) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: unknown source '" + source + "' (fbank, sphinx-mfc, precomputed)");
            }
            if (source.equals("fbank") != (fbank != null)) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: filterbank settings are required for source fbank and only for it");
            }
            if (!List.of(GLOBAL_CMVN, UTTERANCE_CMVN, NONE).contains(normalisation)) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: unknown normalisation '" + normalisation
                        + "' (global-cmvn, utterance-cmvn, none)");
            }
            if ((cmvnMean == null) != (cmvnScale == null) || (cmvnMean != null && !normalisation.equals(GLOBAL_CMVN))) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: CMVN statistics need both mean and scale, and only for "
                        + GLOBAL_CMVN + "; got normalisation " + normalisation + " with mean " + (cmvnMean != null) + ", scale " + (cmvnScale != null));
            }
            if (deltas < 0 || deltas > 2) {
                throw new IllegalArgumentException("SpeakerCheckpoint.Features: deltas must be 0, 1 or 2, got " + deltas);
            }
            if (cmvnMean != null) {
                Cmvn.of(cmvnMean, cmvnScale); // checks the lengths
                cmvnMean = cmvnMean.clone();
                cmvnScale = cmvnScale.clone();
            }
        }

        /** Settings without statistics (they are fitted later for {@code global-cmvn}). */
        public Features(String source, FbankOptions fbank, String normalisation) {
            this(source, fbank, normalisation, null, null, 0);
        }

        /** These settings with {@code order} time derivatives appended to each frame (statistics dropped: they no longer fit). */
        public Features withDeltas(int order) {
            return new Features(source, fbank, normalisation, null, null, order);
        }

        /**
         * These settings with another normalisation ({@code global-cmvn}, {@code utterance-cmvn} or
         * {@code none}); statistics are dropped (fit them with {@link #fittedTo} for {@code global-cmvn}).
         */
        public Features withNormalisation(String kind) {
            return new Features(source, fbank, kind, null, null, deltas);
        }

        /** 40-bin Kaldi fbank with per-utterance CMVN: the settings for speech recognition from WAV files. */
        public static Features fbankCmvn(FbankOptions options) {
            return new Features("fbank", options, UTTERANCE_CMVN);
        }

        /** 40-bin Kaldi fbank with global CMVN (to be fitted): the settings for speaker identification from WAV files. */
        public static Features fbankGlobalCmvn(FbankOptions options) {
            return new Features("fbank", options, GLOBAL_CMVN);
        }

        /**
         * For {@code global-cmvn}: these settings with the mean and scale of every frame of {@code raw}
         * (the training utterances' raw features, deltas appended first). Other normalisations need no fitting and return this.
         */
        public Features fittedTo(List<float[][]> raw) {
            if (!normalisation.equals(GLOBAL_CMVN)) return this;
            if (raw.isEmpty()) throw new IllegalArgumentException("SpeakerCheckpoint.Features.fittedTo: no utterances to fit " + GLOBAL_CMVN + " on");
            Cmvn.Accumulator acc = Cmvn.accumulator(raw.get(0)[0].length * (deltas + 1));
            for (float[][] x : raw) acc.add(Deltas.append(x, deltas));
            Cmvn c = acc.build(true);
            return new Features(source, fbank, normalisation, c.mean(), c.scale(), deltas);
        }

        /**
         * Appends the deltas, then applies the normalisation to raw features (a new matrix, or
         * {@code raw} itself for {@code none} without deltas).
         */
        public float[][] normalise(float[][] raw) {
            float[][] x = deltas == 0 ? raw : Deltas.append(raw, deltas);
            return switch (normalisation) {
                case GLOBAL_CMVN -> {
                    if (cmvnMean == null) {
                        throw new IllegalStateException("SpeakerCheckpoint.Features: " + GLOBAL_CMVN + " has no statistics yet; fit them with fittedTo");
                    }
                    yield Cmvn.of(cmvnMean, cmvnScale).apply(x);
                }
                case UTTERANCE_CMVN -> Cmvn.perUtterance(x, true);
                default -> x;
            };
        }

        /**
         * The raw (not normalised) features of every utterance, in input order, computed on {@code threads}
         * threads with {@link FeatureExtractor} (no cache); the utterances' sources must fit {@link #source}.
         */
        public List<float[][]> raw(List<Utterance> utterances, int threads) throws IOException {
            return new FeatureExtractor(fbank != null ? fbank : FbankOptions.DEFAULTS, false).extractAll(utterances, threads);
        }

        /** The normalised features of every utterance, in input order (see {@link #raw}). */
        public List<float[][]> extract(List<Utterance> utterances, int threads) throws IOException {
            return normaliseAll(raw(utterances, threads));
        }

        /** {@link #normalise} of each matrix, in order. */
        public List<float[][]> normaliseAll(List<float[][]> raw) {
            return raw.parallelStream().map(this::normalise).toList();
        }

        // Arrays compare by content, so that a checkpoint's settings equal the ones it was saved with.
        @Override
        public boolean equals(Object o) {
            return o instanceof Features f && source.equals(f.source) && Objects.equals(fbank, f.fbank) && normalisation.equals(f.normalisation)
                    && Arrays.equals(cmvnMean, f.cmvnMean) && Arrays.equals(cmvnScale, f.cmvnScale) && deltas == f.deltas;
        }

        @Override
        public int hashCode() {
            return Objects.hash(source, fbank, normalisation, Arrays.hashCode(cmvnMean), Arrays.hashCode(cmvnScale), deltas);
        }

        @Override
        public String toString() {
            return "Features[source=" + source + ", fbank=" + fbank + ", normalisation=" + normalisation
                    + (cmvnMean == null ? "" : ", fitted on " + cmvnMean.length + " bins") + (deltas == 0 ? "" : ", deltas " + deltas) + "]";
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
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("model_config", CheckpointFiles.json(model.config()));
        meta.put("labels", CheckpointFiles.json(labels));
        meta.put("features", CheckpointFiles.json(features));
        meta.put("step", Integer.toString(step));
        meta.put("validation_accuracy", Double.toString(validationAccuracy));
        CheckpointFiles.write(file, model.stateDict(), optimizer, meta);
    }

    /**
     * Reads a checkpoint written by {@link #save}: builds the model from {@code model_config},
     * loads its weights strictly and returns it in evaluation mode. A file that is not an Attune
     * speaker checkpoint, or whose metadata is damaged, is an IOException saying what is wrong.
     */
    public static SpeakerCheckpoint load(Path file) throws IOException {
        CheckpointFiles.Contents c = CheckpointFiles.read(file, FORMAT, VERSION, WHAT);
        Map<String, String> meta = c.meta();
        Hw4Config config = CheckpointFiles.parse(file, meta, "model_config", new TypeReference<Hw4Config>() {}, WHAT);
        List<String> labels = CheckpointFiles.parse(file, meta, "labels", new TypeReference<List<String>>() {}, WHAT);
        Features features = CheckpointFiles.parse(file, meta, "features", new TypeReference<Features>() {}, WHAT);
        int step = CheckpointFiles.integer(file, meta, "step", WHAT);
        double accuracy = CheckpointFiles.number(file, meta, "validation_accuracy", WHAT);
        Hw4Classifier model;
        try {
            model = new Hw4Classifier(config, new Generator(0));
            model.loadStateDict(c.weights(), true);
            return new SpeakerCheckpoint((Hw4Classifier) model.eval(), labels, features, step, accuracy, c.optimizer());
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
}
