package dev.attune.cli;

import dev.attune.nn.audio.SpecAugment;
import dev.attune.nn.data.Split;
import dev.attune.nn.data.Utterance;
import dev.attune.nn.las.Decoder;
import dev.attune.nn.las.Las;
import dev.attune.nn.train.LasCheckpoint;
import dev.attune.nn.train.LasTrainer;
import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.nn.train.TranscribedData;
import dev.attune.nn.train.WordSplicer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The LAS speech-recognition jobs: {@code train las}, {@code eval las}, {@code decode las}. */
final class LasCommands {
    private LasCommands() {}

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@code attune train las}: a LAS model on yes/no, FSDD (spelled digits) or AN4; checkpoints and pictures in {@code --out}. */
    @Command(name = "las", description = {
        "Train Listen, Attend and Spell (teacher forcing 0.9 -> 0.5, label smoothing 0.1, AdamW, clipping) and report validation CER/WER.",
        "Writes best.safetensors, last.safetensors, curves.png and alignment.png into --out."})
    static final class Train extends AttuneCommand {
        @Option(names = "--data", required = true, paramLabel = "DIR", description = "Corpus folder (e.g. ../shared/data/yesno).")
        private Path data;

        @Option(names = "--format", paramLabel = "FORMAT", description = "yesno, fsdd or an4 (default: detected from DIR).")
        private String format;

        @Option(names = "--model", description = "las-small or las-tiny (default: ${DEFAULT-VALUE}).", defaultValue = "las-small")
        private String model;

        @Option(names = "--attention", paramLabel = "KIND", description = "dot or location (location-aware; default: the preset's).")
        private String attention;

        @Option(names = "--teacher-forcing", paramLabel = "START[,END]", split = ",",
                description = "Teacher forcing ratio at the start and the end of the run, decaying linearly (default: 0.9,0.5).")
        private float[] teacherForcing;

        @Option(names = "--steps", description = "Optimizer steps at most (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
        private int steps;

        @Option(names = "--minutes", paramLabel = "M", description = "Stop after M minutes of training (default: no limit).")
        private Double minutes;

        @Option(names = "--batch", description = "Utterances per step (default: ${DEFAULT-VALUE}).", defaultValue = "16")
        private int batch;

        @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).", defaultValue = "1e-3")
        private double lr;

        @Option(names = "--valid-every", paramLabel = "N", description = "Steps between validations (default: a tenth of --steps).")
        private Integer validEvery;

        @Option(names = "--ctc-weight", paramLabel = "W",
                description = "Weight of an auxiliary CTC loss on the listener (joint CTC-attention training), in [0, 1) (default: ${DEFAULT-VALUE}).",
                defaultValue = "0")
        private float ctcWeight;

        @Option(names = "--guided-attention", paramLabel = "WEIGHT[,SIGMA[,DECAY]]", split = ",",
                description = "Add WEIGHT times the guided attention loss (a penalty on attention far from the diagonal, width SIGMA, default 0.3); "
                        + "with DECAY the weight falls linearly to 0 over DECAY steps.")
        private float[] guidedAttention;

        @Option(names = "--dropout", paramLabel = "P",
                description = "Dropout probability after each listener layer and on the speller's output MLP input, in [0, 1) (default: ${DEFAULT-VALUE}).",
                defaultValue = "0")
        private float dropout;

        @Option(names = "--ema", paramLabel = "DECAY",
                description = "Validate and save an exponential moving average of the weights with this decay, in [0, 1) (e.g. 0.999; default: none).",
                defaultValue = "0")
        private float ema;

        @Option(names = "--spec-augment", arity = "0..1", fallbackValue = "", paramLabel = "FMASKS,FWIDTH,TMASKS,TWIDTH",
                description = "Mask training utterances with SpecAugment: FMASKS frequency masks of up to FWIDTH values and TMASKS time masks of up to "
                        + "TWIDTH frames (without values: 2 masks of up to a fifth of the feature width, 2 of up to 5 frames).")
        private String specAugment;

        @Option(names = "--pyramid-layers", paramLabel = "N",
                description = "Pyramid layers of the listener, each halving time (default: the preset's, 3 for las-tiny = 8x, 2 for las-small = 4x).")
        private Integer pyramidLayers;

        @Option(names = "--deltas", paramLabel = "ORDER",
                description = "Append ORDER time derivatives to each frame before normalising: 0 none, 1 deltas, 2 deltas and delta-deltas "
                        + "(13 AN4 cepstra become 39 values; default: ${DEFAULT-VALUE}).", defaultValue = "0")
        private int deltas;

        @Option(names = "--cmvn", paramLabel = "KIND",
                description = "Feature normalisation: utterance (each utterance's own mean and variance per feature) or global (one mean and "
                        + "variance per feature, fitted on the training utterances and kept in the checkpoint; default: ${DEFAULT-VALUE}).",
                defaultValue = "utterance")
        private String cmvn;

        @Option(names = "--splice-words", paramLabel = "N",
                description = "Add N synthetic training utterances made of word pieces cut at the pauses of the training files (yesno, fsdd; default: none).")
        private int spliceWords;

        @Option(names = "--splice-fragments", paramLabel = "P",
                description = "Probability that a synthetic utterance of --splice-words begins with the cut-off end of a random word, "
                        + "not in its transcript, in [0, 1] (default: ${DEFAULT-VALUE}).", defaultValue = "0")
        private double spliceFragments;

        @Option(names = "--splice-length", paramLabel = "MIN,MAX", split = ",",
                description = "Words per synthetic utterance of --splice-words, drawn uniformly (default: as many as the training transcripts have).")
        private int[] spliceLength;

        @Option(names = "--seed", description = "Seed of initialisation, batch order and teacher forcing (default: ${DEFAULT-VALUE}).", defaultValue = "0")
        private long seed;

        @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/las under the repository).")
        private Path outDir;

        @Override
        public Integer call() throws Exception {
            if (minutes != null && !(minutes > 0)) throw new IllegalArgumentException("--minutes must be positive, got " + minutes);
            TranscribedData.Format fmt = TranscribedData.format(format, data);
            Split<Utterance> split = TranscribedData.load(fmt, data);
            if (deltas < 0 || deltas > 2) throw new IllegalArgumentException("--deltas must be 0, 1 or 2, got " + deltas);
            var features = TranscribedData.features(fmt).withDeltas(deltas).withNormalisation(switch (cmvn) {
                case "utterance" -> SpeakerCheckpoint.Features.UTTERANCE_CMVN;
                case "global" -> SpeakerCheckpoint.Features.GLOBAL_CMVN;
                default -> throw new IllegalArgumentException("--cmvn must be utterance or global, got '" + cmvn + "'");
            });
            long t0 = System.nanoTime();
            List<float[][]> rawTrain = features.raw(split.train(), cores());
            features = features.fittedTo(rawTrain);   // global: the statistics of the training utterances only
            var train = new LasTrainer.Data(features.normaliseAll(rawTrain), transcripts(split.train()));
            var valid = new LasTrainer.Data(features.extract(split.validation(), cores()), transcripts(split.validation()));
            if (!(ctcWeight >= 0 && ctcWeight < 1)) throw new IllegalArgumentException("--ctc-weight must be in [0, 1), got " + ctcWeight);
            if (guidedAttention != null && (guidedAttention.length > 3 || !(guidedAttention[0] >= 0)
                    || (guidedAttention.length >= 2 && !(guidedAttention[1] > 0))
                    || (guidedAttention.length == 3 && !(guidedAttention[2] >= 0 && guidedAttention[2] == Math.rint(guidedAttention[2]))))) {
                throw new IllegalArgumentException("--guided-attention takes WEIGHT >= 0, WEIGHT,SIGMA with SIGMA > 0 or WEIGHT,SIGMA,DECAY with "
                        + "DECAY a whole number of steps >= 0, got " + java.util.Arrays.toString(guidedAttention));
            }
            if (!(ema >= 0 && ema < 1)) throw new IllegalArgumentException("--ema must be in [0, 1), got " + ema);
            if (spliceWords < 0) throw new IllegalArgumentException("--splice-words must be >= 0, got " + spliceWords);
            if (!(spliceFragments >= 0 && spliceFragments <= 1)) {
                throw new IllegalArgumentException("--splice-fragments must be in [0, 1], got " + spliceFragments);
            }
            if (spliceWords > 0) {
                if (fmt == TranscribedData.Format.AN4) {
                    throw new IllegalArgumentException("--splice-words needs log-mel features (yesno, fsdd), got an4");
                }
                if (spliceLength != null && spliceLength.length != 2) {
                    throw new IllegalArgumentException("--splice-length takes MIN,MAX, got " + spliceLength.length + " values");
                }
                WordSplicer splicer = new WordSplicer(train);
                int lo = spliceLength == null ? splicer.minWords() : spliceLength[0], hi = spliceLength == null ? splicer.maxWords() : spliceLength[1];
                train = splicer.augmented(spliceWords, lo, hi, spliceFragments, seed);
                err().printf(Locale.ROOT, "word splicing: %d word pieces from the training files (%d skipped), %d synthetic utterances of %d to %d words%s%n",
                        splicer.pieces(), splicer.skipped(), spliceWords, lo, hi,
                        spliceFragments > 0 ? String.format(Locale.ROOT, ", %.0f%% beginning with a word-end fragment", 100 * spliceFragments) : "");
            }
            Las.Config config = Las.Config.byName(model, train.features().get(0)[0].length);
            if (attention != null) {
                config = config.withAttention(switch (attention) {
                    case "dot" -> Las.AttentionKind.DOT;
                    case "location" -> Las.AttentionKind.LOCATION;
                    default -> throw new IllegalArgumentException("--attention must be dot or location, got '" + attention + "'");
                });
            }
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
            config = config.withDropout(dropout);
            if (pyramidLayers != null) {
                if (pyramidLayers < 0 || pyramidLayers > 6) throw new IllegalArgumentException("--pyramid-layers must be in [0, 6], got " + pyramidLayers);
                config = config.withListenerLayers(pyramidLayers);
            }
            if (teacherForcing != null && teacherForcing.length > 2) {
                throw new IllegalArgumentException("--teacher-forcing takes START or START,END, got " + teacherForcing.length + " values");
            }
            err().printf(Locale.ROOT, "%s (%s): %d training and %d validation utterances; features in %.1f s%n", data,
                    fmt.name().toLowerCase(Locale.ROOT), train.size(), valid.size(), (System.nanoTime() - t0) / 1e9);
            Path out = outDir != null ? outDir : home().resolve("runs").resolve("las");
            var d = LasTrainer.Options.defaults(steps, minutes == null ? 0 : minutes * 60, seed, out);
            var options = new LasTrainer.Options(steps, d.maxSeconds(), batch, lr, d.warmup(), d.clipNorm(),
                    validEvery != null ? validEvery : d.validEvery(),
                    teacherForcing == null ? d.tfStart() : teacherForcing[0],
                    teacherForcing == null ? d.tfEnd() : teacherForcing[teacherForcing.length - 1], d.labelSmoothing(), ctcWeight,
                    guidedAttention == null ? 0f : guidedAttention[0], guidedAttention == null || guidedAttention.length < 2 ? d.guidedSigma() : guidedAttention[1],
                    guidedAttention == null || guidedAttention.length < 3 ? 0 : (int) guidedAttention[2],
                    specAugment(config.inputDim()), ema, seed, out);
            err().printf(Locale.ROOT, "training %s (%,d parameters, %d features per frame, %dx time reduction) for at most %d steps%s, batch %d%n", model,
                    new Las(config, new dev.attune.tensor.Generator(0)).parameterCount(), config.inputDim(), 1 << config.listenerLayers(), steps,
                    minutes == null ? "" : String.format(Locale.ROOT, " or %.1f minutes", minutes), batch);
            LasTrainer.Result r = new LasTrainer(config, model, features, options, err()).train(train, valid);
            out().printf(Locale.ROOT, "trained %d steps in %.1f s (%.2f steps/s)%n", r.stepsRun(), r.seconds(), r.stepsRun() / r.seconds());
            out().printf(Locale.ROOT, "best checkpoint (lowest CER on training utterances): %.2f%% at step %d (%s)%n", 100 * r.bestTrainCer(), r.bestStep(),
                    out.resolve("best.safetensors"));
            out().println("validation " + r.last());
            return 0;
        }

        /** The masks of {@code --spec-augment}: none without the flag, the default for the feature width without values, else the four values given. */
        private SpecAugment specAugment(int dims) {
            if (specAugment == null) return null;
            if (specAugment.isEmpty()) return LasTrainer.specAugment(dims);
            String[] parts = specAugment.split(",", -1);
            try {
                if (parts.length != 4) throw new NumberFormatException();
                return new SpecAugment(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()), Integer.parseInt(parts[2].trim()),
                        Integer.parseInt(parts[3].trim()), 0f);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--spec-augment takes no value or FMASKS,FWIDTH,TMASKS,TWIDTH (four whole numbers), got '" + specAugment + "'");
            }
        }
    }

    /** {@code attune eval las}: CER and WER of a checkpoint on a split of a corpus. */
    @Command(name = "las", description = "CER and WER of a LAS checkpoint on a split of a corpus (greedy, or beam search with --beam, joint CTC/attention with --ctc-weight).")
    static final class Eval extends AttuneCommand {
        @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by `attune train las`.")
        private Path checkpoint;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "Corpus folder.")
        private Path data;

        @Option(names = "--format", paramLabel = "FORMAT", description = "yesno, fsdd or an4 (default: detected from DIR).")
        private String format;

        @Option(names = "--split", paramLabel = "NAME", description = "train, validation or all (default: ${DEFAULT-VALUE}; for yesno the 1_ files).",
                defaultValue = "validation")
        private String split;

        @Mixin
        private DecodingOptions decoding;

        @Override
        public Integer call() throws Exception {
            decoding.check();
            LasCheckpoint ck = LasCheckpoint.load(checkpoint);
            TranscribedData.Format fmt = TranscribedData.format(format, data);
            if (!TranscribedData.features(fmt).source().equals(ck.features().source())) {
                throw new IllegalArgumentException("the checkpoint reads " + ck.features().source() + " features, but "
                        + fmt.name().toLowerCase(Locale.ROOT) + " data gives " + TranscribedData.features(fmt).source());
            }
            List<Utterance> utts = TranscribedData.part(TranscribedData.load(fmt, data), split);
            if (utts.isEmpty()) throw new IllegalArgumentException("no utterances in split '" + split + "' of " + data);
            err().println("checkpoint: " + ck.describe());
            List<Decoder.Hypothesis> hyps = decoding.decode(ck, checkpoint, ck.features().extract(utts, cores()));
            out().println(LasTrainer.score(transcripts(utts), hyps));
            return 0;
        }
    }

    /** {@code attune decode las}: the transcript of each audio or feature file. */
    @Command(name = "las", description = "Print the LAS transcript of each file (WAV for fbank checkpoints, .mfc for AN4, .pt feature tensors), one line each: FILE<TAB>TEXT.")
    static final class Decode extends AttuneCommand {
        @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by `attune train las`.")
        private Path checkpoint;

        @Mixin
        private DecodingOptions decoding;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Audio (.wav) or feature (.mfc, .pt) files.")
        private List<Path> files;

        @Override
        public Integer call() throws Exception {
            decoding.check();
            LasCheckpoint ck = LasCheckpoint.load(checkpoint);
            List<Utterance> utts = files.stream().map(f -> utterance(f, ck.features().source())).toList();
            List<Decoder.Hypothesis> hyps = decoding.decode(ck, checkpoint, ck.features().extract(utts, cores()));
            for (int i = 0; i < files.size(); i++) out().println(files.get(i) + "\t" + hyps.get(i).text());
            return 0;
        }

        /** The file as an utterance of the kind the checkpoint's features are computed from. */
        private static Utterance utterance(Path f, String source) {
            Utterance.Kind kind = switch (source) {
                case "fbank" -> Utterance.Kind.WAV;
                case "sphinx-mfc" -> Utterance.Kind.SPHINX_MFC;
                default -> Utterance.Kind.TORCH_TENSOR;
            };
            String extension = switch (kind) {
                case WAV -> ".wav";
                case SPHINX_MFC -> ".mfc";
                case TORCH_TENSOR -> ".pt";
            };
            if (!f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension)) {
                throw new IllegalArgumentException(f + ": the checkpoint reads " + source + " features, so it decodes " + extension + " files");
            }
            return new Utterance(f.getFileName().toString(), null, null, f, kind);
        }
    }

    /** The decoding flags of {@code eval las} and {@code decode las}. */
    static final class DecodingOptions {
        @Option(names = "--beam", paramLabel = "K", description = "Beam width; 1 is greedy decoding (default: ${DEFAULT-VALUE}).", defaultValue = "1")
        private int beam;

        @Option(names = "--length-norm", paramLabel = "ALPHA",
                description = "Beam search ranks ended hypotheses by log p / length^ALPHA, ALPHA >= 0 (default: ${DEFAULT-VALUE}).",
                defaultValue = "" + Decoder.DEFAULT_ALPHA)
        private double alpha;

        @Option(names = "--ctc-weight", paramLabel = "LAMBDA",
                description = "Joint CTC/attention beam search: rank prefixes by (1 - LAMBDA) log p_att + LAMBDA log p_ctc, LAMBDA in [0, 1]; "
                        + "needs a checkpoint trained with --ctc-weight > 0 (default: ${DEFAULT-VALUE}, attention alone).",
                defaultValue = "0")
        private double ctcWeight;

        /** Rejects bad flag values before anything is loaded. */
        void check() {
            if (beam < 1) throw new IllegalArgumentException("--beam must be >= 1, got " + beam);
            if (!(alpha >= 0)) throw new IllegalArgumentException("--length-norm must be >= 0, got " + alpha);
            if (!(ctcWeight >= 0 && ctcWeight <= 1)) throw new IllegalArgumentException("--ctc-weight must be in [0, 1], got " + ctcWeight);
        }

        /** Decodes the features with the checkpoint's model; a {@code --ctc-weight} above 0 needs a checkpoint with a CTC head. */
        List<Decoder.Hypothesis> decode(LasCheckpoint ck, Path file, List<float[][]> features) {
            if (ctcWeight > 0 && ck.ctcHead() == null) {
                throw new IllegalArgumentException("--ctc-weight " + ctcWeight + " needs a checkpoint with a CTC head (trained with train las --ctc-weight > 0); "
                        + file + " has none");
            }
            return LasTrainer.decode(ck.model(), ck.ctcHead(), ctcWeight, features, 16, ck.maxLength(), beam, alpha);
        }
    }

    private static List<String> transcripts(List<Utterance> utts) {
        return utts.stream().map(Utterance::transcript).toList();
    }
}
