package dev.attune.cli;

import dev.attune.nn.data.Utterance;
import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.nn.train.SpeakerTrainer;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attune predict TASK}: predictions of a trained model; {@code predict speaker} writes HW4's CSV. */
@Command(name = "predict", description = "Predict with a trained model.", synopsisSubcommandLabel = "TASK", subcommands = PredictCommand.Speaker.class)
final class PredictCommand extends TaskGroupCommand {

    /**
     * {@code attune predict speaker}: the speaker of every utterance in DIR as HW4's {@code Id,Category}
     * CSV. For HW4 data these are the test utterances of {@code testdata.json} (Id = feature_path);
     * for the other formats every utterance (Id = utterance id).
     */
    @Command(name = "speaker", description = "Write the predicted speaker of every utterance in DIR as an Id,Category CSV (HW4's format).")
    static final class Speaker extends SpeakerCheckpointCommand {
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The CSV to write, e.g. predictions.csv.")
        private Path csv;

        @Override
        public Integer call() throws Exception {
            Loaded in = load();
            SpeakerCheckpoint ck = in.checkpoint();
            SpeakerData.Format fmt = in.format();
            SpeakerData.Corpus corpus = in.corpus();
            List<Utterance> utts = fmt == SpeakerData.Format.HW4 ? corpus.unlabelled() : corpus.labelled();
            if (utts.isEmpty()) throw new IllegalArgumentException("no utterances to predict in " + data + (fmt == SpeakerData.Format.HW4 ? " (testdata.json)" : ""));
            int[] pred = SpeakerTrainer.predict(ck.model(), SpeakerData.extract(utts, ck.features()), 32);
            Path target = csv.toAbsolutePath();
            if (target.getParent() != null) Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".predictions", ".csv.tmp");
            try {
                try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    w.write("Id,Category\n");
                    for (int i = 0; i < pred.length; i++) w.write(utts.get(i).id() + "," + ck.label(pred[i]) + "\n");
                }
                // temporary files are private (0600); the result is an ordinary readable file
                if (Files.getFileAttributeView(tmp, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
                    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            out().println("wrote " + pred.length + " predictions to " + csv);
            return 0;
        }
    }
}
