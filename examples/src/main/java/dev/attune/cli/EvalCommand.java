package dev.attune.cli;

import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.nn.train.SpeakerTrainer;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attune eval TASK}: evaluation of a trained model; {@code eval speaker} measures speaker accuracy. */
@Command(name = "eval", description = "Evaluate a trained model.", synopsisSubcommandLabel = "TASK", subcommands = {EvalCommand.Speaker.class, LasCommands.Eval.class})
final class EvalCommand extends TaskGroupCommand {

    /** {@code attune eval speaker}: accuracy of a checkpoint over every labelled utterance of a folder. */
    @Command(name = "speaker", description = "Accuracy of a speaker checkpoint over every utterance in DIR (everything else comes from the checkpoint).")
    static final class Speaker extends AttuneCommand {
        @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by `attune train speaker`.")
        private Path checkpoint;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "Corpus folder.")
        private Path data;

        @Option(names = "--format", paramLabel = "FORMAT", description = "fsdd, an4, hw4 or folders (default: detected from DIR).")
        private String format;

        @Override
        public Integer call() throws Exception {
            SpeakerCheckpoint ck = SpeakerCheckpoint.load(checkpoint);
            SpeakerData.Format fmt = SpeakerData.format(format, data);
            SpeakerData.requireCompatible(ck.features(), fmt);
            SpeakerData.Corpus corpus = SpeakerData.load(fmt, data);
            int[] labels = SpeakerData.labels(corpus.labelled(), ck.labels());
            var feats = SpeakerData.extract(corpus.labelled(), ck.features());
            err().println("checkpoint: " + ck.describe());
            out().println("accuracy: " + SpeakerTrainer.evaluate(ck.model(), new SpeakerTrainer.Data(feats, labels), 32));
            return 0;
        }
    }
}
