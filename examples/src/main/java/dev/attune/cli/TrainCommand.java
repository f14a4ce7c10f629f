package dev.attune.cli;

import dev.attune.nn.Hw4Config;
import dev.attune.nn.data.Split;
import dev.attune.nn.data.Utterance;
import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.nn.train.SpeakerTrainer;
import dev.attune.tensor.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attune train TASK}: training jobs; {@code train speaker} is the speaker-identification job. */
@Command(name = "train", description = "Train a model.", synopsisSubcommandLabel = "TASK", subcommands = {TrainCommand.Speaker.class, LasCommands.Train.class})
final class TrainCommand extends TaskGroupCommand {

    /** {@code attune train speaker}: a HW4 classifier on a speaker corpus, checkpoints and curves in {@code --out}. */
    @Command(name = "speaker", description = {
        "Train a speaker classifier (HW4 recipe: AdamW, cosine warm-up, 128-frame crops padded with -20) and report validation accuracy.",
        "Writes best.safetensors, last.safetensors and curves.png into --out."})
    static final class Speaker extends AttuneCommand {
        @Option(names = "--data", paramLabel = "DIR", description = "Corpus folder (default: examples/data/fsdd, else ../shared/data/fsdd beside the repository).")
        private Path data;

        @Option(names = "--format", paramLabel = "FORMAT", description = "fsdd, an4, hw4 or folders (default: detected from DIR).")
        private String format;

        @Option(names = "--model", description = "hw4-simple, hw4-medium, hw4-strong or hw4-boss (default: ${DEFAULT-VALUE}).", defaultValue = "hw4-strong")
        private String model;

        @Option(names = "--steps", description = "Optimizer steps (default: ${DEFAULT-VALUE}, the main job's length: about 7.5 minutes of hw4-strong on 2 cores).", defaultValue = "600")
        private int steps;

        @Option(names = "--batch", description = "Utterances per step (default: ${DEFAULT-VALUE}).", defaultValue = "32")
        private int batch;

        @Option(names = "--lr", description = "Peak learning rate of the cosine warm-up schedule (default: ${DEFAULT-VALUE}; the HW4 course uses 1e-3 over 70,000 steps, a short run needs a higher peak).", defaultValue = "2e-3")
        private double lr;

        @Option(names = "--valid-every", paramLabel = "N", description = "Steps between validations (default: a tenth of --steps).")
        private Integer validEvery;

        @Option(names = "--seed", description = "Seed of initialisation, shuffling and crops (default: ${DEFAULT-VALUE}).", defaultValue = "0")
        private long seed;

        @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/speaker under the repository).")
        private Path outDir;

        @Option(names = "--spec-augment", description = "Mask training segments with SpecAugment (2 frequency masks up to 8 bins, 2 time masks up to 10 frames).")
        private boolean specAugment;

        @Option(names = "--device", paramLabel = "DEVICE", description = "Train on cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).",
                defaultValue = "cpu")
        private String device;

        @Option(names = "--resume", paramLabel = "FILE", description = "Continue from this checkpoint (e.g. DIR/last.safetensors) up to --steps.")
        private Path resume;

        @Override
        public Integer call() throws Exception {
            Hw4Config preset = Hw4Config.byName(model);
            Device target = Device.byName(device);
            Path dir = data != null ? data : defaultData();
            SpeakerData.Format fmt = SpeakerData.format(format, dir);
            SpeakerData.Corpus corpus = SpeakerData.load(fmt, dir);
            Split<Utterance> split = SpeakerData.split(corpus, seed);
            long t0 = System.nanoTime();
            int cores = Runtime.getRuntime().availableProcessors();
            List<float[][]> rawTrain = SpeakerData.features(fmt).raw(split.train(), cores);
            // Global CMVN statistics come from the training utterances only; a resumed run keeps its checkpoint's.
            SpeakerCheckpoint.Features features = resume != null ? SpeakerCheckpoint.load(resume).features()
                    : SpeakerData.features(fmt).fittedTo(rawTrain);
            SpeakerData.requireCompatible(features, fmt);
            List<float[][]> trainFeats = features.normaliseAll(rawTrain);
            List<float[][]> validFeats = SpeakerData.extract(split.validation(), features);
            err().printf(Locale.ROOT, "%s: %d speakers, %d training and %d validation utterances; features in %.1f s%n", dir,
                    corpus.speakers().size(), split.train().size(), split.validation().size(), (System.nanoTime() - t0) / 1e9);
            var train = new SpeakerTrainer.Data(trainFeats, SpeakerData.labels(split.train(), corpus.speakers()));
            var valid = new SpeakerTrainer.Data(validFeats, SpeakerData.labels(split.validation(), corpus.speakers()));
            Path out = outDir != null ? outDir : home().resolve("runs").resolve("speaker");
            var options = new SpeakerTrainer.Options(steps, batch, 128, lr, -1, 1.0, validEvery != null ? validEvery : Math.max(1, steps / 10),
                    seed, out, resume, specAugment ? SpeakerTrainer.SPEC_AUGMENT : null, target);
            err().printf(Locale.ROOT, "training %s (%s) for %d steps, batch %d, on %s%n", preset.name(), preset.describe(), steps, batch, target);
            var r = new SpeakerTrainer(preset, corpus.speakers(), features, options, err()).train(train, valid);
            out().printf(Locale.ROOT, "trained %d steps in %.1f s (%.1f utterances/s)%n", r.stepsRun(), r.seconds(),
                    r.stepsRun() * (double) batch / r.seconds());
            out().printf(Locale.ROOT, "best validation accuracy: %s at step %d (%s)%n", r.best(), r.bestStep(), out.resolve("best.safetensors"));
            out().println("validation accuracy: " + r.last());
            return 0;
        }

        /** examples/data/fsdd inside the repository, else the shared corpora beside it. */
        private static Path defaultData() {
            Path shipped = home().resolve("examples").resolve("data").resolve("fsdd");
            if (Files.isDirectory(shipped)) return shipped;
            Path shared = home().resolve("..").resolve("shared").resolve("data").resolve("fsdd").normalize();
            if (Files.isDirectory(shared)) return shared;
            throw new IllegalArgumentException("no training data: neither " + shipped + " nor " + shared + " exists; give --data DIR");
        }
    }
}
