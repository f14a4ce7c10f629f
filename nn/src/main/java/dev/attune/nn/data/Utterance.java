package dev.attune.nn.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One utterance of a corpus: where its audio or features live and what is known about it.
 *
 * @param id         unique within its corpus
 * @param speaker    speaker label, or {@code null} when unknown (e.g. an unlabelled test set)
 * @param transcript words spoken, or {@code null} when the corpus has none
 * @param source     the WAV file or precomputed feature file
 * @param kind       how {@code source} is read
 */
public record Utterance(String id, String speaker, String transcript, Path source, Kind kind) {

    /** The format of an utterance's source file. */
    public enum Kind {
        /** A RIFF/WAVE file; features are computed from it. */
        WAV,
        /** Sphinx cepstra ({@link SphinxMfc}): frames x 13. */
        SPHINX_MFC,
        /** A {@code torch.save}d 2-D float tensor ({@link PtReader}): frames x bins. */
        TORCH_TENSOR
    }

    public Utterance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(kind, "kind");
    }
}
