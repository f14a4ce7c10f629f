package dev.attune.cli;

import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.nn.train.SpeakerTrainer;
import picocli.CommandLine.Command;

/** {@code attune eval TASK}: evaluation of a trained model; {@code eval speaker} measures speaker accuracy. */
@Command(name = "eval", description = "Evaluate a trained model.", synopsisSubcommandLabel = "TASK", subcommands = {EvalCommand.Speaker.class, LasCommands.Eval.class})
final class EvalCommand extends TaskGroupCommand {

    /** {@code attune eval speaker}: accuracy of a checkpoint over every labelled utterance of a folder. */
    @Command(name = "speaker", description = "Accuracy of a speaker checkpoint over every utterance in DIR (everything else comes from the checkpoint).")
    static final class Speaker extends SpeakerCheckpointCommand {
        @Override
        public Integer call() throws Exception {
            Loaded in = load();
            SpeakerCheckpoint ck = in.checkpoint();
            SpeakerData.Corpus corpus = in.corpus();
            int[] labels = SpeakerData.labels(corpus.labelled(), ck.labels());
            var feats = SpeakerData.extract(corpus.labelled(), ck.features());
            err().println("checkpoint: " + ck.describe());
            out().println("accuracy: " + SpeakerTrainer.evaluate(ck.model(), new SpeakerTrainer.Data(feats, labels), 32));
            return 0;
        }
    }
}
