package dev.attune.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Free Spoken Digit Dataset: a folder of {@code {digit}_{speaker}_{repetition}.wav} files
 * (8 kHz mono 16-bit), either given directly or as the {@code recordings/} folder inside the one
 * given. The transcript of a recording is its digit spelled in English ({@code 7 -> "seven"}).
 */
public final class FsddCorpus {

    private static final Pattern NAME = Pattern.compile("(\\d)_([^_]+)_(\\d{1,9})\\.wav");
    private static final String[] DIGIT_WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

    /**
     * One recording.
     *
     * @param digit      the digit spoken, 0 to 9
     * @param speaker    the speaker's name
     * @param repetition the repetition number from the file name
     * @param path       the WAV file
     */
    public record Recording(int digit, String speaker, int repetition, Path path) {

        /** {@code digit_speaker_repetition}, the file name without {@code .wav}. */
        public String id() {
            return digit + "_" + speaker + "_" + repetition;
        }

        /** This recording as an utterance whose transcript is the spelled digit. */
        public Utterance utterance() {
            return new Utterance(id(), speaker, digitWord(digit), path, Utterance.Kind.WAV);
        }
    }

    private final List<Recording> recordings;

    private FsddCorpus(List<Recording> recordings) {
        this.recordings = List.copyOf(recordings);
    }

    /**
     * Lists the recordings in {@code dir} (or in {@code dir/recordings} when that folder exists).
     * A {@code .wav} file whose name does not follow the pattern is an error; other files are ignored.
     */
    public static FsddCorpus load(Path dir) throws IOException {
        Path folder = Files.isDirectory(dir.resolve("recordings")) ? dir.resolve("recordings") : dir;
        CorpusFiles.requireDirectory(folder, "FSDD recordings {digit}_{speaker}_{rep}.wav");
        List<Recording> out = new ArrayList<>();
        for (Path p : CorpusFiles.wavFiles(folder)) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (!m.matches()) {
                throw new CorpusFormatException(p, "expected an FSDD name {digit}_{speaker}_{repetition}.wav");
            }
            out.add(new Recording(Integer.parseInt(m.group(1)), m.group(2), Integer.parseInt(m.group(3)), p));
        }
        if (out.isEmpty()) {
            throw new CorpusFormatException(folder, "expected FSDD recordings {digit}_{speaker}_{rep}.wav, found none");
        }
        out.sort(Comparator.comparing(Recording::speaker).thenComparingInt(Recording::digit).thenComparingInt(Recording::repetition));
        return new FsddCorpus(out);
    }

    /** The English word for a digit 0-9. */
    public static String digitWord(int digit) {
        if (digit < 0 || digit > 9) {
            throw new IllegalArgumentException("FsddCorpus.digitWord: expected a digit 0-9, got " + digit);
        }
        return DIGIT_WORDS[digit];
    }

    /** All recordings, ordered by speaker, digit, repetition. */
    public List<Recording> recordings() {
        return recordings;
    }

    /** All recordings as utterances, in the same order. */
    public List<Utterance> utterances() {
        return recordings.stream().map(Recording::utterance).toList();
    }

    /** Speaker names, sorted. */
    public List<String> speakers() {
        return recordings.stream().map(Recording::speaker).distinct().sorted().toList();
    }

    /**
     * Holds out the recordings with {@code repetition % modulus == remainder}; since every speaker
     * records every digit many times, each speaker and digit appears on both sides.
     */
    public Split<Recording> splitByRepetition(int modulus, int remainder) {
        if (modulus <= 1 || remainder < 0 || remainder >= modulus) {
            throw new IllegalArgumentException("FsddCorpus.splitByRepetition: need modulus > 1 and 0 <= remainder < modulus, got "
                + modulus + ", " + remainder);
        }
        return Split.of(recordings, r -> r.repetition() % modulus == remainder);
    }
}
