package dev.attune.nn.train;

import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.audio.SpecAugment;
import dev.attune.nn.optim.AdamW;
import dev.attune.nn.optim.ClipGrad;
import dev.attune.nn.optim.LrSchedule;
import dev.attune.tensor.Device;
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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Trains a {@link Hw4Classifier} to identify speakers with the HW4 recipe: AdamW (lr 1e-3),
 * cosine schedule with linear warm-up, random 128-frame crops padded with -20, gradient
 * clipping; every {@code validEvery} steps the accuracy on the whole validation utterances is
 * measured and the best model so far is written atomically to {@code <out>/best.safetensors}
 * (and the current one to {@code last.safetensors}), both with their optimizer state so that a
 * run can {@linkplain Options#resume() resume}. A progress line (step, loss, accuracy, learning
 * rate, steps/s, ETA) is rewritten in place on the progress writer; at the end the loss and
 * accuracy curves are drawn into {@code <out>/curves.png}.
 */
public final class SpeakerTrainer {

    /** HW4's padding value for frames past an utterance's end. */
    public static final float PADDING = -20f;

    /**
     * The SpecAugment of {@code train speaker --spec-augment}: two frequency masks of up to 8 of the
     * 40 bins and two time masks of up to 10 frames (FSDD digits are about 45 frames long), filled
     * with 0, the mean of normalised features.
     */
    public static final SpecAugment SPEC_AUGMENT = new SpecAugment(2, 8, 2, 10, 0f);

    /**
     * @param steps         total optimizer steps (a resumed run continues up to this count)
     * @param batchSize     utterances per step
     * @param segmentLength training crop length (HW4: 128)
     * @param lr            peak learning rate (HW4: 1e-3)
     * @param warmup        warm-up steps; negative picks {@code min(1000, steps / 10)}
     * @param clipNorm      maximal joint gradient norm
     * @param validEvery    steps between validations (the last step is always validated)
     * @param seed          seeds the model's initialisation, dropout, shuffling and crops
     * @param out           folder for best.safetensors, last.safetensors and curves.png; null writes nothing
     * @param resume        a checkpoint to continue from, or null
     * @param augment       SpecAugment applied to training segments, or null for none
     * @param device        where the model trains (its batches are moved there); checkpoints load on the CPU
     */
    public record Options(int steps, int batchSize, int segmentLength, double lr, int warmup, double clipNorm, int validEvery, long seed,
                          Path out, Path resume, SpecAugment augment, Device device) {
        public Options {
            Objects.requireNonNull(device, "device");
            if (steps <= 0 || batchSize <= 0 || segmentLength <= 0 || validEvery <= 0) {
                throw new IllegalArgumentException("SpeakerTrainer.Options: steps, batch size, segment length and validEvery must be positive, got "
                        + steps + ", " + batchSize + ", " + segmentLength + ", " + validEvery);
            }
            if (!(lr > 0) || !(clipNorm > 0)) {
                throw new IllegalArgumentException("SpeakerTrainer.Options: lr and clipNorm must be positive, got " + lr + ", " + clipNorm);
            }
        }

        /** Training on the CPU. */
        public Options(int steps, int batchSize, int segmentLength, double lr, int warmup, double clipNorm, int validEvery, long seed,
                       Path out, Path resume, SpecAugment augment) {
            this(steps, batchSize, segmentLength, lr, warmup, clipNorm, validEvery, seed, out, resume, augment, Device.CPU);
        }

        /** HW4's settings (batch 32, crop 128, lr 1e-3, automatic warm-up, clip 1.0) for {@code steps} steps, validating 10 times. */
        public static Options hw4(int steps, long seed, Path out) {
            return new Options(steps, 32, 128, 1e-3, -1, 1.0, Math.max(1, steps / 10), seed, out, null, null);
        }

        public Options withBatchSize(int b) {
            return new Options(steps, b, segmentLength, lr, warmup, clipNorm, validEvery, seed, out, resume, augment, device);
        }

        public Options withLr(double v, int warm) {
            return new Options(steps, batchSize, segmentLength, v, warm, clipNorm, validEvery, seed, out, resume, augment, device);
        }

        public Options withValidEvery(int n) {
            return new Options(steps, batchSize, segmentLength, lr, warmup, clipNorm, n, seed, out, resume, augment, device);
        }

        public Options withResume(Path checkpoint) {
            return new Options(steps, batchSize, segmentLength, lr, warmup, clipNorm, validEvery, seed, out, checkpoint, augment, device);
        }

        public Options withSpecAugment(SpecAugment a) {
            return new Options(steps, batchSize, segmentLength, lr, warmup, clipNorm, validEvery, seed, out, resume, a, device);
        }

        public Options withDevice(Device d) {
            return new Options(steps, batchSize, segmentLength, lr, warmup, clipNorm, validEvery, seed, out, resume, augment, d);
        }

        /** The warm-up actually used. */
        public int warmupSteps() {
            return warmup >= 0 ? Math.min(warmup, steps) : Math.min(1000, steps / 10);
        }
    }

    /** Labelled features: one frames x bins matrix per utterance and its class. */
    public record Data(List<float[][]> features, int[] labels) {
        public Data {
            features = List.copyOf(features);
            labels = labels.clone();
            if (features.size() != labels.length) {
                throw new IllegalArgumentException("SpeakerTrainer.Data: " + features.size() + " utterances but " + labels.length + " labels");
            }
        }

        public int size() {
            return labels.length;
        }
    }

    /** One validation: the step, mean training loss and accuracy since the previous one, validation accuracy. */
    public record Point(int step, double trainLoss, double trainAccuracy, double validationAccuracy) {}

    /** Correct predictions out of all. */
    public record Accuracy(int correct, int total) {
        public double value() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.4f (%d/%d)", value(), correct, total);
        }
    }

    /**
     * What a run produced.
     *
     * @param model     the model after the last step
     * @param last      validation accuracy after the last step
     * @param best      the best validation accuracy seen
     * @param bestStep  the step it was seen at
     * @param curve     one point per validation
     * @param seconds   wall time of the training steps and validations
     * @param stepsRun  steps taken in this run (fewer than {@code steps} when resumed)
     */
    public record Result(Hw4Classifier model, Accuracy last, Accuracy best, int bestStep, List<Point> curve, double seconds, int stepsRun) {}

    private final Hw4Config config;
    private final List<String> labels;
    private final SpeakerCheckpoint.Features features;
    private final Options options;
    private final PrintWriter progress;

    /**
     * @param preset   the model family (e.g. {@code Hw4Config.byName("hw4-strong")}); its input width and
     *                 class count are replaced by the data's
     * @param labels   speaker names in class order
     * @param features how the features were computed (stored in the checkpoints)
     * @param progress where the progress line goes, or null for none
     */
    public SpeakerTrainer(Hw4Config preset, List<String> labels, SpeakerCheckpoint.Features features, Options options, PrintWriter progress) {
        this.labels = List.copyOf(labels);
        this.features = Objects.requireNonNull(features, "features");
        this.options = Objects.requireNonNull(options, "options");
        this.progress = progress;
        this.config = preset;
    }

    /** Trains on {@code train}, validating on {@code validation}. */
    public Result train(Data train, Data validation) throws IOException {
        if (train.size() == 0 || validation.size() == 0) {
            throw new IllegalArgumentException("SpeakerTrainer: need training and validation utterances, got " + train.size() + " and " + validation.size());
        }
        int bins = train.features().get(0)[0].length;
        Hw4Classifier model;
        AdamW optimizer;
        int step = 0;
        if (options.resume() != null) {
            SpeakerCheckpoint ck = SpeakerCheckpoint.load(options.resume());
            if (!ck.labels().equals(labels)) {
                throw new IllegalArgumentException("SpeakerTrainer: " + options.resume() + " was trained on speakers " + ck.labels()
                        + ", this data has " + labels);
            }
            if (ck.model().config().nMels() != bins) {
                throw new IllegalArgumentException("SpeakerTrainer: " + options.resume() + " reads " + ck.model().config().nMels()
                        + " features per frame, this data has " + bins);
            }
            model = ck.model();
            model.to(options.device());
            optimizer = new AdamW(model.parameters(), options.lr());
            if (!ck.optimizerState().isEmpty()) optimizer.loadState(ck.optimizerState());
            step = ck.step();
        } else {
            model = new Hw4Classifier(SpeakerCheckpoint.configFor(config, bins, labels.size()), new Generator(options.seed()));
            model.to(options.device());
            optimizer = new AdamW(model.parameters(), options.lr());
        }
        if (options.out() != null) Files.createDirectories(options.out());
        LrSchedule schedule = LrSchedule.cosineWithWarmup(options.warmupSteps(), options.steps());
        // a resumed run draws a fresh, step-dependent stream of shuffles and crops
        SegmentLoader loader = new SegmentLoader(train.features(), train.labels(), options.batchSize(), options.segmentLength(), PADDING,
                true, new Generator(options.seed() * 31 + step + 1), options.augment());

        int startStep = step;
        List<Point> curve = new ArrayList<>();
        Accuracy last = null, best = null;
        int bestStep = -1;
        double lossSum = 0;
        int correctSum = 0, seen = 0, intervalSteps = 0;
        long start = System.nanoTime();
        long lastPrint = 0;
        Iterator<SpeakerBatch> batches = loader.epoch().iterator();
        while (step < options.steps()) {
            if (!batches.hasNext()) batches = loader.epoch().iterator();
            // One memory scope per step: its batch, activations and gradients are released at its end
            // (on a GPU back to the caching allocator at once); only the optimizer state survives it.
            try (MemoryScope scope = MemoryScope.open()) {
                SpeakerBatch b = batches.next().to(options.device());
                model.train();
                schedule.apply(optimizer, options.lr(), step);
                optimizer.zeroGrad();
                Step s = forward(model, b);
                s.loss().backward();
                ClipGrad.clipGradNorm(model.parameters(), options.clipNorm());
                optimizer.step();
                lossSum += s.loss().item();
                correctSum += s.correct();
                seen += b.size();
                optimizer.zeroGrad();
                scope.keep(optimizer.stateTensors());
            }
            step++;
            intervalSteps++;

            boolean validate = step % options.validEvery() == 0 || step == options.steps();
            long now = System.nanoTime();
            if (progress != null && (validate || now - lastPrint > 500_000_000L)) {
                lastPrint = now;
                printProgress(step, lossSum / intervalSteps, (double) correctSum / seen, optimizer.lr(), step - startStep, now - start,
                        last == null ? Double.NaN : last.value());
            }
            if (validate) {
                last = evaluate(model, validation, options.batchSize());
                curve.add(new Point(step, lossSum / intervalSteps, (double) correctSum / seen, last.value()));
                lossSum = 0;
                correctSum = seen = intervalSteps = 0;
                if (best == null || last.value() > best.value()) {
                    best = last;
                    bestStep = step;
                    save("best.safetensors", model, optimizer, step, last.value());
                }
                save("last.safetensors", model, optimizer, step, last.value());
                if (progress != null) {
                    progress.printf(Locale.ROOT, "%n  step %d: validation accuracy %s%s%n", step, last, bestStep == step ? " (best so far)" : "");
                    progress.flush();
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (options.out() != null && !curve.isEmpty()) Curves.write(options.out().resolve("curves.png"), curve, config.name());
        model.eval();
        if (last == null) { // resumed at or past the last step: measure once
            last = best = evaluate(model, validation, options.batchSize());
            bestStep = step;
        }
        return new Result(model, last, best, bestStep, List.copyOf(curve), seconds, step - startStep);
    }

    private record Step(Tensor loss, int correct) {}

    /** Loss and correct predictions of one training batch, with a single forward pass for the linear head. */
    private static Step forward(Hw4Classifier model, SpeakerBatch b) {
        if (model.config().head() == Hw4Config.Head.LINEAR) {
            Tensor logits = model.logits(b.features(), b.lengths());
            Tensor loss = F.crossEntropy(logits, b.labels());
            return new Step(loss, countCorrect(logits.detach(), b.labels().toIntArray()));
        }
        Tensor loss = model.loss(b.features(), b.lengths(), b.labels());
        int correct;
        try (GradMode _ = GradMode.noGrad()) {
            correct = countCorrect(model.logits(b.features(), b.lengths()), b.labels().toIntArray());
        }
        return new Step(loss, correct);
    }

    private static int countCorrect(Tensor logits, int[] labels) {
        int[] pred = logits.argmax(1, false).toIntArray();
        int c = 0;
        for (int i = 0; i < pred.length; i++) if (pred[i] == labels[i]) c++;
        return c;
    }

    /** Accuracy of {@code model} on whole utterances (evaluation mode, no gradients). */
    public static Accuracy evaluate(Hw4Classifier model, Data data, int batchSize) {
        int[] pred = predict(model, data.features(), batchSize);
        int c = 0;
        for (int i = 0; i < pred.length; i++) if (pred[i] == data.labels()[i]) c++;
        return new Accuracy(c, pred.length);
    }

    /**
     * The predicted class of each whole utterance, in input order. Utterances are batched by
     * similar length (padding is masked, so this does not change the result, only the cost).
     */
    public static int[] predict(Hw4Classifier model, List<float[][]> utterances, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.eval();
        int n = utterances.size();
        int[] order = IntStream.range(0, n).boxed().sorted(Comparator.comparingInt(i -> utterances.get(i).length))
                .mapToInt(Integer::intValue).toArray();
        int[] pred = new int[n];
        try (GradMode _ = GradMode.noGrad()) {
            for (int s = 0; s < n; s += batchSize) {
                int[] members = Arrays.copyOfRange(order, s, Math.min(n, s + batchSize));
                int bins = utterances.get(members[0])[0].length;
                int longest = utterances.get(members[members.length - 1]).length;
                float[] x = new float[members.length * longest * bins];
                Arrays.fill(x, PADDING);
                int[] lengths = new int[members.length];
                for (int i = 0; i < members.length; i++) {
                    float[][] f = utterances.get(members[i]);
                    lengths[i] = f.length;
                    for (int t = 0; t < f.length; t++) System.arraycopy(f[t], 0, x, (i * longest + t) * bins, bins);
                }
                try (MemoryScope batch = MemoryScope.open()) { // the batch's tensors go back at once
                    Tensor frames = Tensor.of(x, members.length, longest, bins).to(model.device());
                    int[] p = model.logits(frames, lengths).argmax(1, false).toIntArray();
                    for (int i = 0; i < members.length; i++) pred[members[i]] = p[i];
                }
            }
        }
        if (wasTraining) model.train();
        return pred;
    }

    private void save(String name, Hw4Classifier model, AdamW optimizer, int step, double accuracy) throws IOException {
        if (options.out() == null) return;
        SpeakerCheckpoint.save(options.out().resolve(name), model, optimizer, labels, features, step, accuracy);
    }

    private void printProgress(int step, double loss, double acc, double lr, int stepsThisRun, long nanos, double valAcc) {
        double perSecond = stepsThisRun / (nanos / 1e9);
        long eta = Math.round((options.steps() - step) / Math.max(perSecond, 1e-9));
        progress.printf(Locale.ROOT, "\rstep %d/%d  loss %.4f  acc %.4f  val %s  lr %.2e  %.2f steps/s  ETA %d:%02d:%02d ",
                step, options.steps(), loss, acc, Double.isNaN(valAcc) ? "-" : String.format(Locale.ROOT, "%.4f", valAcc), lr, perSecond,
                eta / 3600, eta / 60 % 60, eta % 60);
        progress.flush();
    }
}
