package dev.attune.nn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kaldi's yes/no corpus: one speaker, files {@code {w1}_{w2}_..._{w8}.wav} (8 kHz) where each
 * {@code w} is 1 ("yes") or 0 ("no"); the file name is the transcript.
 */
public final class YesNoCorpus {

    /** The speaker label given to every utterance (the corpus has a single, anonymous speaker). */
    public static final String SPEAKER = "yesno";
    private static final Pattern NAME = Pattern.compile("[01](_[01])*\\.wav");

    private YesNoCorpus() {
    }

    /**
     * Lists the recordings in {@code dir}, sorted by name; transcripts are words "yes"/"no".
     * A {@code .wav} file whose name is not a sequence of 0/1 is an error; other files are ignored.
     */
    public static List<Utterance> load(Path dir) throws IOException {
        CorpusFiles.requireDirectory(dir, "yes/no recordings {w1}_..._{w8}.wav");
        List<Utterance> out = new ArrayList<>();
        for (Path p : CorpusFiles.wavFiles(dir)) {
            String name = p.getFileName().toString();
            if (!NAME.matcher(name).matches()) {
                throw new CorpusFormatException(p, "expected a name of 0/1 words joined by '_', such as 0_1_1_0_0_1_1_0.wav");
            }
            String id = CorpusFiles.stem(p);
            String transcript = String.join(" ", id.replace("1", "yes").replace("0", "no").split("_"));
            out.add(new Utterance(id, SPEAKER, transcript, p, Utterance.Kind.WAV));
        }
        if (out.isEmpty()) {
            throw new CorpusFormatException(dir, "expected yes/no recordings {w1}_..._{w8}.wav, found none");
        }
        return out;
    }

    /** The customary split: files starting with {@code 0_} train, files starting with {@code 1_} are held out (test). */
    public static Split<Utterance> customarySplit(List<Utterance> utterances) {
        return Split.of(utterances, u -> u.id().startsWith("1"));
    }
}
