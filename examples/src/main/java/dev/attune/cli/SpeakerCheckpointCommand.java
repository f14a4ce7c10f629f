package dev.attune.cli;

import dev.attune.nn.train.SpeakerCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * What {@code eval speaker} and {@code predict speaker} share: a checkpoint, a corpus folder and
 * its format, checked against each other before any feature is computed.
 */
abstract class SpeakerCheckpointCommand extends AttuneCommand {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by `attune train speaker`.")
    private Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Corpus folder.")
    protected Path data;

    @Option(names = "--format", paramLabel = "FORMAT", description = "fsdd, an4, hw4 or folders (default: detected from DIR).")
    private String format;

    /** The checkpoint with the corpus it is applied to. */
    record Loaded(SpeakerCheckpoint checkpoint, SpeakerData.Format format, SpeakerData.Corpus corpus) {}

    /** Loads the checkpoint and the corpus; a corpus whose features the checkpoint cannot read is an error. */
    Loaded load() throws IOException {
        SpeakerCheckpoint ck = SpeakerCheckpoint.load(checkpoint);
        SpeakerData.Format fmt = SpeakerData.format(format, data);
        SpeakerData.requireCompatible(ck.features(), fmt);
        return new Loaded(ck, fmt, SpeakerData.load(fmt, data));
    }
}
