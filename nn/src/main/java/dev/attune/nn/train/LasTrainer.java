package dev.attune.nn.train;

import dev.attune.nn.CtcLoss;
import dev.attune.nn.Linear;
import dev.attune.nn.Parameter;
import dev.attune.nn.audio.SpecAugment;
import dev.attune.nn.las.CharVocab;
import dev.attune.nn.las.Decoder;
import dev.attune.nn.las.Encoded;
import dev.attune.nn.las.GuidedAttention;
import dev.attune.nn.las.Las;
import dev.attune.nn.las.Speller;
import dev.attune.nn.metrics.ErrorRates;
import dev.attune.nn.optim.AdamW;
import dev.attune.nn.optim.ClipGrad;
import dev.attune.nn.optim.LrSchedule;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Trains a {@link Las} model on transcribed utterances with teacher forcing:
 * <ul>
 *   <li>loss: cross entropy of the speller's logits against the characters + {@code <eos>},
 *       {@code <pad>} ignored, with label smoothing; with a CTC weight lambda &gt; 0 (joint
 *       CTC-attention training, Kim, Hori and Watanabe 2017) it is
 *       {@code (1 - lambda) CE + lambda CTC}, where a linear CTC head (listener width to the
 *       vocabulary, {@code <pad>} as the blank) reads the listener states and {@link CtcLoss} is
 *       summed over the batch and divided by its characters (so both terms are per character).
 *       CTC asks each listener state to say which character is under it, in order (the usual
 *       reason joint training helps attention; on yes/no it did not start alignment by itself,
 *       see the nn README); the checkpoints keep the head (for joint CTC/attention decoding); with a guided attention weight g &gt; 0, g times
 *       {@link GuidedAttention}'s penalty on off-diagonal attention weights is added (g falling
 *       linearly to 0 over {@code guidedDecay} steps when that is set);</li>
 *   <li>optionally SpecAugment masks on each training utterance as it is drawn ({@link #specAugment});</li>
 *   <li>teacher forcing ratio decaying linearly from {@code tfStart} to {@code tfEnd} over the run
 *       (the speller is fed its own best guess otherwise, see {@link Speller#forward});</li>
 *   <li>AdamW, linear warm-up, then a cosine decay of the learning rate to a tenth over the run;
 *       joint gradient-norm clipping; optionally an exponential moving average of the weights
 *       ({@link EmaWeights}), which is what validation decodes and the checkpoints hold;</li>
 *   <li>batches of utterances of similar length (sorted by frames, cut into batches, the batch
 *       order shuffled every epoch), so little of each batch is padding;</li>
 *   <li>every {@code validEvery} steps (and at the end): greedy decoding of the validation set
 *       (its CER and WER are reported) and of up to {@link #SELECTION_SIZE} training utterances
 *       spread evenly over the training set ({@link #selectionSubset}); the model of lowest CER on
 *       those training utterances (the later one on a tie) is written atomically to
 *       {@code <out>/best.safetensors} ({@link LasCheckpoint}), so the choice never looks at the
 *       validation set, which for yes/no is the customary test set; the current model goes to
 *       {@code last.safetensors} and the alignment of the first validation utterance to
 *       {@code alignment.png}; at the end the curves go to {@code curves.png}.</li>
 * </ul>
 * "Over the run" means the fraction {@code max(step / steps, elapsed / maxSeconds)}. A run
 * bounded only by steps is bit-identical for a seed and thread count; a time limit stops it
 * wherever the clock says.
 */
public final class LasTrainer {
    /** Frames past an utterance's end are 0 (the mean of the normalised features). */
    public static final float PADDING = 0f;
    /**
     * The SpecAugment of {@code train las --spec-augment} for frames of {@code dims} values: two
     * frequency masks of up to a fifth of them ({@code dims / 5}: 8 of 40 log-mel bins, 2 of 13
     * cepstra, 7 of 39 with deltas; at least 1) and two time masks of up to 5 frames (short enough
     * for a spoken digit of 40 frames).
     */
    public static SpecAugment specAugment(int dims) {
        if (dims <= 0) throw new IllegalArgumentException("LasTrainer.specAugment: need a positive feature width, got " + dims);
        return new SpecAugment(2, Math.max(1, dims / 5), 2, 5, 0f);
    }
    /** How many training utterances are decoded at each validation to select the best checkpoint. */
    public static final int SELECTION_SIZE = 32;

    /**
     * @param steps          optimizer steps at most
     * @param maxSeconds     wall-time limit of the run (training and validation), 0 for none
     * @param batchSize      utterances per step
     * @param lr             peak learning rate
     * @param warmup         warm-up steps
     * @param clipNorm       maximal joint gradient norm
     * @param validEvery     steps between validations
     * @param tfStart        teacher forcing ratio at the start (e.g. 0.9)
     * @param tfEnd          teacher forcing ratio at the end (e.g. 0.5)
     * @param labelSmoothing label smoothing of the cross entropy (e.g. 0.1)
     * @param ctcWeight      weight lambda of the auxiliary CTC loss on the listener, in [0, 1); 0 for none
     * @param guidedWeight   weight of the guided attention loss ({@link GuidedAttention}), &gt;= 0; 0 for none
     * @param guidedSigma    its width sigma (e.g. 0.3), positive
     * @param guidedDecay    steps over which the guided attention weight falls linearly to 0 (it gets
     *                       attention started; later the alignment may leave the diagonal, e.g. over a
     *                       long leading silence); 0 keeps it constant
     * @param augment        SpecAugment applied to every training utterance each time it is drawn, or null for none
     * @param ema            decay of an exponential moving average of the weights ({@link #EmaWeights}), in [0, 1);
     *                       0 for none. With it, validation decodes and the checkpoints hold the averaged weights
     * @param seed           seeds initialisation, batch order, teacher-forcing and SpecAugment draws
     * @param out            folder for the checkpoints and pictures; null writes nothing
     */
    public record Options(int steps, double maxSeconds, int batchSize, double lr, int warmup, double clipNorm, int validEvery, float tfStart,
                          float tfEnd, float labelSmoothing, float ctcWeight,
                          float guidedWeight, float guidedSigma, int guidedDecay, SpecAugment augment, float ema, long seed, Path out) {
        public Options {
            if (steps <= 0 || batchSize <= 0 || validEvery <= 0 || warmup < 0 || !(maxSeconds >= 0)) {
                throw new IllegalArgumentException("LasTrainer.Options: steps, batch size and validEvery must be positive, warm-up and maxSeconds >= 0, got "
                        + steps + ", " + batchSize + ", " + validEvery + ", " + warmup + ", " + maxSeconds);
            }
            if (!(lr > 0) || !(clipNorm > 0)) {
                throw new IllegalArgumentException("LasTrainer.Options: lr and clipNorm must be positive, got " + lr + ", " + clipNorm);
            }
            if (!(tfStart >= 0 && tfStart <= 1 && tfEnd >= 0 && tfEnd <= 1 && labelSmoothing >= 0 && labelSmoothing < 1)) {
                throw new IllegalArgumentException("LasTrainer.Options: teacher forcing ratios must be in [0, 1] and label smoothing in [0, 1), got "
                        + tfStart + ", " + tfEnd + ", " + labelSmoothing);
            }
            if (!(ctcWeight >= 0 && ctcWeight < 1)) {
                throw new IllegalArgumentException("LasTrainer.Options: the CTC weight must be in [0, 1), got " + ctcWeight);
            }
            if (!(guidedWeight >= 0 && guidedSigma > 0)) {
                throw new IllegalArgumentException("LasTrainer.Options: the guided attention weight must be >= 0 and its sigma positive, got "
                        + guidedWeight + ", " + guidedSigma);
            }
            if (guidedDecay < 0) throw new IllegalArgumentException("LasTrainer.Options: the guided attention decay must be >= 0 steps, got " + guidedDecay);
            if (!(ema >= 0 && ema < 1)) throw new IllegalArgumentException("LasTrainer.Options: the EMA decay must be in [0, 1), got " + ema);
        }

        /** The recipe: batch 16, lr 1e-3 with 200 warm-up steps, clip 1, teacher forcing 0.9 to 0.5, smoothing 0.1, no CTC, no guided attention, no SpecAugment, no EMA, 10 validations. */
        public static Options defaults(int steps, double maxSeconds, long seed, Path out) {
            return new Options(steps, maxSeconds, 16, 1e-3, Math.min(200, steps / 10), 1.0, Math.max(1, steps / 10), 0.9f, 0.5f, 0.1f, 0f, 0f, 0.3f, 0,
                    null, 0f, seed, out);
        }

        /** The guided attention weight at {@code step}: constant, or falling linearly to 0 over {@code guidedDecay} steps. */
        public float guidedWeightAt(int step) {
            return guidedDecay == 0 ? guidedWeight : guidedWeight * Math.max(0f, 1f - (float) step / guidedDecay);
        }
    }

    /** Utterances as normalised feature matrices (frames x dims) with their transcripts. */
    public record Data(List<float[][]> features, List<String> transcripts) {
        public Data {
            features = List.copyOf(features);
            transcripts = List.copyOf(transcripts);
            if (features.size() != transcripts.size()) {
                throw new IllegalArgumentException("LasTrainer.Data: " + features.size() + " utterances but " + transcripts.size() + " transcripts");
            }
        }

        public int size() {
            return features.size();
        }
    }

    /**
     * One validation: step, mean training loss since the previous one, greedy CER on the selection
     * subset of the training set, validation CER and WER.
     */
    public record Point(int step, double trainLoss, double trainCer, double validationCer, double validationWer) {}

    /**
     * What a run produced.
     *
     * @param model    the model after the last step (evaluation mode)
     * @param last         validation error rates after the last step
     * @param bestTrainCer the lowest CER seen on the selection subset of the training set
     * @param bestStep     the step of {@code best.safetensors}: the last one with that CER
     * @param seconds  wall time of the training steps and validations
     * @param stepsRun optimizer steps taken
     */
    public record Result(Las model, ErrorRates last, double bestTrainCer, int bestStep, List<Point> curve, double seconds, int stepsRun) {}

    private final Las.Config config;
    private final String name;
    private final SpeakerCheckpoint.Features features;
    private final Options options;
    private final PrintWriter progress;

    /**
     * @param config   the model's sizes (its input width must match the data's)
     * @param name     the preset name stored in the checkpoints
     * @param features how the features were computed (stored in the checkpoints)
     * @param progress where progress goes, or null for none
     */
    public LasTrainer(Las.Config config, String name, SpeakerCheckpoint.Features features, Options options, PrintWriter progress) {
        this.config = Objects.requireNonNull(config, "config");
        this.name = Objects.requireNonNull(name, "name");
        this.features = Objects.requireNonNull(features, "features");
        this.options = Objects.requireNonNull(options, "options");
        this.progress = progress;
    }

    /** The decoding length limit for a training set: twice its longest transcript plus 10 symbols. */
    public static int maxLengthFor(Data train) {
        return 2 * train.transcripts().stream().mapToInt(String::length).max().orElse(0) + 10;
    }

    /** Trains on {@code train}, validating on {@code validation}. */
    public Result train(Data train, Data validation) throws IOException {
        if (train.size() == 0 || validation.size() == 0) {
            throw new IllegalArgumentException("LasTrainer: need training and validation utterances, got " + train.size() + " and " + validation.size());
        }
        int dims = train.features().get(0)[0].length;
        if (dims != config.inputDim()) {
            throw new IllegalArgumentException("LasTrainer: the model reads " + config.inputDim() + " features per frame, the data has " + dims);
        }
        for (String t : train.transcripts()) CharVocab.encode(t);   // fails early, naming a character outside the vocabulary
        Las model = new Las(config, new Generator(options.seed()));
        Linear ctcHead = options.ctcWeight() > 0 ? LasCheckpoint.ctcHead(config, new Generator(options.seed() * 31 + 2)) : null;
        List<Parameter> parameters = new ArrayList<>(model.parameters());
        if (ctcHead != null) parameters.addAll(ctcHead.parameters());
        AdamW optimizer = new AdamW(parameters, options.lr());
        LrSchedule warmup = LrSchedule.linearWarmup(options.warmup());
        Generator g = new Generator(options.seed() * 31 + 1);
        int maxLength = maxLengthFor(train);
        if (options.out() != null) Files.createDirectories(options.out());
        List<int[]> batches = lengthBatches(train.features(), options.batchSize());
        EmaWeights ema = options.ema() > 0 ? new EmaWeights(parameters, options.ema()) : null;   // the CTC head's too: it reads the averaged listener

        List<Point> curve = new ArrayList<>();
        ErrorRates last = null;
        double bestTrainCer = Double.POSITIVE_INFINITY;
        int[] selection = selectionSubset(train.size());
        List<float[][]> selectionFeatures = new ArrayList<>();
        List<String> selectionTexts = new ArrayList<>();
        for (int i : selection) {
            selectionFeatures.add(train.features().get(i));
            selectionTexts.add(train.transcripts().get(i));
        }
        int bestStep = -1, step = 0, intervalSteps = 0;
        double lossSum = 0;
        long start = System.nanoTime(), lastPrint = 0;
        int[] order = new int[0];
        int next = 0;
        boolean done = false;
        while (!done) {
            if (next == order.length) {
                order = g.permutation(batches.size());
                next = 0;
            }
            int[] members = batches.get(order[next++]);
            double progressFraction = progress(step, start);
            float tf = (float) (options.tfStart() + (options.tfEnd() - options.tfStart()) * progressFraction);
            optimizer.setLr(options.lr() * warmup.factor(step) * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progressFraction))));
            // One memory scope per step: its features, activations and gradients are released at its end
            // (on a GPU back to the caching allocator at once); only the optimizer state survives it.
            try (MemoryScope scope = MemoryScope.open()) {
                model.train();
                optimizer.zeroGrad();
                Tensor loss = loss(model, ctcHead, options, train, members, tf, options.guidedWeightAt(step), g);
                loss.backward();
                ClipGrad.clipGradNorm(parameters, options.clipNorm());
                optimizer.step();
                if (ema != null) ema.update(step);
                lossSum += loss.item();
                optimizer.zeroGrad();
                scope.keep(optimizer.stateTensors());
            }
            step++;
            intervalSteps++;

            done = step >= options.steps() || progress(step, start) >= 1;
            boolean validate = step % options.validEvery() == 0 || done;
            long now = System.nanoTime();
            if (progress != null && (validate || now - lastPrint > 500_000_000L)) {
                lastPrint = now;
                printProgress(step, lossSum / intervalSteps, tf, optimizer.lr(), now - start, last);
            }
            if (validate) {
                if (ema != null) ema.swap();   // validate and save the averaged weights
                List<Decoder.Hypothesis> hyps = decode(model, validation.features(), options.batchSize(), maxLength, 1, 0);
                last = score(validation.transcripts(), hyps);
                double trainCer = score(selectionTexts, decode(model, selectionFeatures, options.batchSize(), maxLength, 1, 0)).cer();
                curve.add(new Point(step, lossSum / intervalSteps, trainCer, last.cer(), last.wer()));
                lossSum = 0;
                intervalSteps = 0;
                if (trainCer <= bestTrainCer) {
                    bestTrainCer = trainCer;
                    bestStep = step;
                    save("best.safetensors", model, ctcHead, optimizer, maxLength, step, last.cer());
                    if (options.out() != null) {
                        Decoder.Hypothesis h = hyps.get(0);
                        AlignmentImage.write(options.out().resolve("alignment.png"), h.alignment(), h.text() + (h.ended() ? "$" : ""));
                    }
                }
                save("last.safetensors", model, ctcHead, optimizer, maxLength, step, last.cer());
                if (ema != null && !done) ema.swap();   // back to the trained weights; after the last step the model keeps the average
                if (progress != null) {
                    progress.printf(Locale.ROOT, "%n  step %d: training CER %.2f%% (%d utterances), validation %s%s; e.g. \"%s\" -> \"%s\"%n",
                            step, 100 * trainCer, selection.length, last, bestStep == step ? " (best so far)" : "", validation.transcripts().get(0),
                            hyps.get(0).text());
                    progress.flush();
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (options.out() != null) {
            double[] steps = curve.stream().mapToDouble(Point::step).toArray();
            Map<String, double[]> rates = new LinkedHashMap<>();
            rates.put("training CER (selection)", curve.stream().mapToDouble(Point::trainCer).toArray());
            rates.put("validation CER", curve.stream().mapToDouble(Point::validationCer).toArray());
            rates.put("validation WER", curve.stream().mapToDouble(Point::validationWer).toArray());
            Curves.write(options.out().resolve("curves.png"), steps, List.of(
                    new Curves.Chart(name + ": training loss", "loss", Map.of("training loss", curve.stream().mapToDouble(Point::trainLoss).toArray()),
                            null, null),
                    new Curves.Chart(name + ": error rates", "error rate", rates, 0.0, null)));
        }
        model.eval();
        return new Result(model, last, bestTrainCer, bestStep, List.copyOf(curve), seconds, step);
    }

    /**
     * An exponential moving average of the weights (Polyak averaging): after optimizer step t
     * (0-based) each parameter's average becomes {@code a = d a + (1 - d) w} with
     * {@code d = min(decay, (1 + t) / (10 + t))}, so the first steps, far from the final weights,
     * are soon forgotten. The average starts as the initial weights. {@link #swap} exchanges the
     * model's weights with the averages (twice restores them).
     */
    static final class EmaWeights {
        private final List<Parameter> parameters;
        private final List<Tensor> averages = new ArrayList<>();
        private final float decay;

        EmaWeights(List<Parameter> parameters, float decay) {
            this.parameters = List.copyOf(parameters);
            this.decay = decay;
            for (Parameter p : parameters) averages.add(p.value().detach().copy());
        }

        /** Folds in the weights after optimizer step {@code step} (0-based). */
        void update(int step) {
            float d = Math.min(decay, (1f + step) / (10f + step));
            try (GradMode _ = GradMode.noGrad()) {
                for (int k = 0; k < averages.size(); k++) {
                    // In place: the averages keep their storages, so a training step's MemoryScope need not keep them.
                    averages.get(k).copyFrom(averages.get(k).mul(d).add(parameters.get(k).value().mul(1 - d)));
                }
            }
        }

        /** Exchanges the model's weights and the averages. */
        void swap() {
            try (GradMode _ = GradMode.noGrad()) {
                for (int k = 0; k < averages.size(); k++) {
                    Tensor w = parameters.get(k).value().detach().copy();
                    parameters.get(k).value().copyFrom(averages.get(k));
                    averages.set(k, w);
                }
            }
        }

        /** The averages (the model's weights while swapped in). */
        List<Tensor> averages() {
            return List.copyOf(averages);
        }
    }

    /**
     * The training utterances that select the best checkpoint: all of them when there are at most
     * {@link #SELECTION_SIZE}, else that many at evenly spaced positions {@code floor(k * n / SELECTION_SIZE)}.
     */
    static int[] selectionSubset(int n) {
        int size = Math.min(n, SELECTION_SIZE);
        int[] out = new int[size];
        for (int k = 0; k < size; k++) out[k] = (int) ((long) k * n / size);
        return out;
    }

    /** Fraction of the run done: the larger of the step and time fractions. */
    private double progress(int step, long startNanos) {
        double p = (double) step / options.steps();
        if (options.maxSeconds() > 0) p = Math.max(p, (System.nanoTime() - startNanos) / 1e9 / options.maxSeconds());
        return Math.min(1, p);
    }

    /**
     * The loss of one batch under teacher forcing: the mean cross entropy (pad ignored, smoothed
     * by the options' label smoothing), mixed with the CTC loss per character as
     * {@code (1 - ctcWeight) CE + ctcWeight CTC} when {@code ctcHead} is not null, plus the
     * guided attention loss times {@code guidedWeight} when that is positive.
     */
    static Tensor loss(Las model, Linear ctcHead, Options options, Data data, int[] members, float teacherForcing, float guidedWeight, Generator g) {
        Padded x = pad(options.augment() == null ? data.features() : augmented(data.features(), members, options.augment(), g), members);
        List<String> texts = new ArrayList<>();
        for (int m : members) texts.add(data.transcripts().get(m));
        Tensor targets = CharVocab.targets(texts);
        Encoded h = model.listen(x.frames(), x.lengths());
        Speller.Output out = model.speller().forward(h.values(), h.lengths(), targets, teacherForcing, g);
        int n = targets.size(0), len = targets.size(1);
        Tensor loss = F.crossEntropy(out.logits().reshape(n * len, model.config().vocabSize()), targets.reshape(n * len),
                model.config().padId(), options.labelSmoothing(), F.Reduction.MEAN);
        if (ctcHead != null) loss = withCtc(loss, ctcHead, options.ctcWeight(), model.config().padId(), h, texts);
        if (guidedWeight > 0) {
            int[] outLengths = new int[n];
            for (int b = 0; b < n; b++) outLengths[b] = texts.get(b).length() + 1;   // the characters and <eos>
            loss = loss.add(GuidedAttention.loss(out.weights(), outLengths, h.lengths(), options.guidedSigma()).mul(guidedWeight));
        }
        return loss;
    }

    /** {@code (1 - ctcWeight) ce + ctcWeight CTC}, CTC summed over the batch and divided by its characters. */
    private static Tensor withCtc(Tensor ce, Linear ctcHead, float ctcWeight, int blank, Encoded h, List<String> texts) {
        int n = texts.size();
        int[][] chars = new int[n][];
        int count = 0;
        for (int b = 0; b < n; b++) {
            chars[b] = CharVocab.encode(texts.get(b));
            if (CtcLoss.feasible(h.lengths()[b], chars[b])) count += chars[b].length;
        }
        if (count == 0) return ce;   // no utterance of the batch has enough listener states for its characters
        Tensor ctc = CtcLoss.forward(F.logSoftmax(ctcHead.forward(h.values()), 2), h.lengths(), chars, blank).sum();
        return ce.mul(1 - ctcWeight).add(ctc.mul(ctcWeight / count));
    }

    /** A copy of {@code features} in which the utterances {@code members} are masked by {@code augment}, seeded from {@code g}. */
    private static List<float[][]> augmented(List<float[][]> features, int[] members, SpecAugment augment, Generator g) {
        List<float[][]> out = new ArrayList<>(features);
        for (int m : members) out.set(m, augment.apply(features.get(m), g.nextInt(Integer.MAX_VALUE)));
        return out;
    }

    /** Padded frames (N, T, D) and each utterance's length. */
    record Padded(Tensor frames, int[] lengths) {}

    /** The utterances {@code members} padded with {@link #PADDING} to the longest of them. */
    static Padded pad(List<float[][]> features, int[] members) {
        int dims = features.get(members[0])[0].length, longest = 0;
        for (int m : members) longest = Math.max(longest, features.get(m).length);
        float[] x = new float[members.length * longest * dims];
        Arrays.fill(x, PADDING);
        int[] lengths = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            float[][] f = features.get(members[i]);
            lengths[i] = f.length;
            for (int t = 0; t < f.length; t++) System.arraycopy(f[t], 0, x, (i * longest + t) * dims, dims);
        }
        return new Padded(Tensor.of(x, members.length, longest, dims), lengths);
    }

    /** Utterance indices sorted by length (ties by index) and cut into consecutive batches of at most {@code batchSize}. */
    static List<int[]> lengthBatches(List<float[][]> features, int batchSize) {
        int[] sorted = IntStream.range(0, features.size()).boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> features.get(i).length).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < sorted.length; s += batchSize) out.add(Arrays.copyOfRange(sorted, s, Math.min(sorted.length, s + batchSize)));
        return out;
    }

    /**
     * Decodes every utterance, in input order: greedy in batches of similar length when
     * {@code beam} is 1 (padding is masked, so batching does not change the result beyond
     * rounding), else beam search of that width with length-normalisation exponent {@code alpha}
     * ({@link Decoder#beamSearch}), one utterance at a time. Each batch or utterance runs in its own
     * {@link MemoryScope}, so the storages decoding allocates are released as it goes (validation
     * in training, {@code eval las} and {@code decode las} all decode here).
     */
    public static List<Decoder.Hypothesis> decode(Las model, List<float[][]> features, int batchSize, int maxLength, int beam, double alpha) {
        return decode(model, null, 0, features, batchSize, maxLength, beam, alpha);
    }

    /**
     * As {@link #decode(Las, List, int, int, int, double)}; with {@code ctcWeight} &gt; 0 every
     * utterance is decoded by joint CTC/attention beam search of width {@code beam} (1 included)
     * with the CTC head {@code ctcHead} ({@link Decoder#beamSearch(Las, Linear, double, Tensor, int, int, double)}).
     */
    public static List<Decoder.Hypothesis> decode(Las model, Linear ctcHead, double ctcWeight, List<float[][]> features, int batchSize, int maxLength,
                                                  int beam, double alpha) {
        if (beam < 1) throw new IllegalArgumentException("LasTrainer.decode: beam width must be >= 1, got " + beam);
        Decoder.Hypothesis[] out = new Decoder.Hypothesis[features.size()];
        // One memory scope per batch (greedy) or utterance (beam search): its frames, listener states and
        // speller steps are released at its end, so decoding a corpus holds one batch's memory at a time.
        // Hypotheses are plain arrays and outlive it; the model's weights were allocated before it.
        if (beam == 1 && ctcWeight == 0) {
            for (int[] members : lengthBatches(features, batchSize)) {
                try (MemoryScope _ = MemoryScope.open()) {
                    Padded x = pad(features, members);
                    List<Decoder.Hypothesis> hyps = Decoder.greedy(model, x.frames(), x.lengths(), maxLength);
                    for (int i = 0; i < members.length; i++) out[members[i]] = hyps.get(i);
                }
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                try (MemoryScope _ = MemoryScope.open()) {
                    out[i] = Decoder.beamSearch(model, ctcHead, ctcWeight, pad(features, new int[] {i}).frames(), beam, maxLength, alpha);
                }
            }
        }
        return List.of(out);
    }

    /** Corpus-level error rates of hypotheses against reference transcripts (compared lower-cased, as the vocabulary spells them). */
    public static ErrorRates score(List<String> references, List<Decoder.Hypothesis> hyps) {
        ErrorRates r = new ErrorRates();
        for (int i = 0; i < hyps.size(); i++) r.add(references.get(i).toLowerCase(Locale.ROOT), hyps.get(i).text());
        return r;
    }

    private void save(String file, Las model, Linear ctcHead, AdamW optimizer, int maxLength, int step, double cer) throws IOException {
        if (options.out() == null) return;
        LasCheckpoint.save(options.out().resolve(file), model, ctcHead, name, optimizer, features, maxLength, step, cer);
    }

    private void printProgress(int step, double loss, float tf, double lr, long nanos, ErrorRates last) {
        double perSecond = step / (nanos / 1e9);
        progress.printf(Locale.ROOT, "\rstep %d/%d  loss %.4f  tf %.2f  val CER %s  lr %.2e  %.2f steps/s  %.0f s ",
                step, options.steps(), loss, tf, last == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * last.cer()), lr, perSecond,
                nanos / 1e9);
        progress.flush();
    }
}
