package dev.attune.nn.train;

import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.data.An4Corpus;
import dev.attune.nn.data.FsddCorpus;
import dev.attune.nn.data.Split;
import dev.attune.nn.data.Utterance;
import dev.attune.nn.data.YesNoCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The transcribed corpora for speech recognition (LAS), each with its training/validation split
 * and feature settings:
 * <ul>
 *   <li>{@code yesno}: Kaldi's yes/no ({@link YesNoCorpus}): the 31 files starting with {@code 0_} train,
 *       the 29 starting with {@code 1_} are the validation (= customary test) set; 40-bin fbank + CMVN.</li>
 *   <li>{@code fsdd}: spoken digits spelled as words ({@link FsddCorpus}); repetitions {@code r % 10 == 0}
 *       are held out, so every speaker and digit is on both sides; 40-bin fbank + CMVN.</li>
 *   <li>{@code an4}: AN4 cepstra ({@link An4Corpus}, 13 per frame) + CMVN, transcripts lower-cased
 *       by the vocabulary; every utterance of each speaker at position {@code k % 10 == 5} in
 *       sorted speaker order is held out (7 of the 74 speakers of the training set).</li>
 * </ul>
 */
public final class TranscribedData {
    private TranscribedData() {}

    public enum Format { YESNO, FSDD, AN4 }

    /** Parses {@code yesno|fsdd|an4}; null detects the format from the folder's contents. */
    public static Format format(String name, Path dir) throws IOException {
        if (name != null) {
            try {
                return Format.valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown format '" + name + "' (yesno, fsdd, an4)");
            }
        }
        if (!Files.isDirectory(dir)) throw new IOException("data folder " + dir + " does not exist");
        if (Files.isDirectory(dir.resolve("etc")) && Files.isDirectory(dir.resolve("feat"))) return Format.AN4;
        Path rec = Files.isDirectory(dir.resolve("recordings")) ? dir.resolve("recordings") : dir;
        try (Stream<Path> s = Files.list(rec)) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            if (names.stream().anyMatch(n -> n.matches("\\d_[^_]+_\\d+\\.wav"))) return Format.FSDD;
            if (names.stream().anyMatch(n -> n.matches("[01](_[01])*\\.wav"))) return Format.YESNO;
        }
        throw new IllegalArgumentException("cannot tell the format of " + dir + ": expected AN4 (etc/ and feat/), FSDD ({digit}_{speaker}_{rep}.wav)"
                + " or yes/no (0_1_..._1.wav) files; give --format");
    }

    /** Reads the corpus and splits it (see the class doc). */
    public static Split<Utterance> load(Format format, Path dir) throws IOException {
        return switch (format) {
            case YESNO -> YesNoCorpus.customarySplit(YesNoCorpus.load(dir));
            case FSDD -> {
                Split<FsddCorpus.Recording> s = FsddCorpus.load(dir).splitByRepetition(10, 0);
                yield new Split<>(s.train().stream().map(FsddCorpus.Recording::utterance).toList(),
                        s.validation().stream().map(FsddCorpus.Recording::utterance).toList());
            }
            case AN4 -> {
                List<Utterance> all = new ArrayList<>();
                try (Stream<Path> s = Files.list(dir.resolve("etc"))) {
                    for (String f : s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("an4_") && n.endsWith(".fileids")).sorted().toList()) {
                        all.addAll(An4Corpus.load(dir, f.substring(4, f.length() - ".fileids".length())));
                    }
                }
                yield Split.of(all, heldOutSpeakers(all)::contains);
            }
        };
    }

    private static Set<Utterance> heldOutSpeakers(List<Utterance> all) {
        List<String> speakers = all.stream().map(Utterance::speaker).distinct().sorted().toList();
        Set<String> held = new java.util.HashSet<>();
        for (int k = 5; k < speakers.size(); k += 10) held.add(speakers.get(k));
        Set<Utterance> out = new java.util.HashSet<>();
        for (Utterance u : all) if (held.contains(u.speaker())) out.add(u);
        return out;
    }

    /** {@code train}, {@code validation} or {@code all} (train then validation) of a split. */
    public static List<Utterance> part(Split<Utterance> split, String name) {
        return switch (name) {
            case "train" -> split.train();
            case "validation" -> split.validation();
            case "all" -> Stream.concat(split.train().stream(), split.validation().stream()).toList();
            default -> throw new IllegalArgumentException("unknown split '" + name + "' (train, validation, all)");
        };
    }

    /** The feature settings of a format: 40-bin fbank + per-utterance CMVN for WAV corpora, AN4 cepstra + CMVN. */
    public static SpeakerCheckpoint.Features features(Format format) {
        return switch (format) {
            case YESNO, FSDD -> SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);
            case AN4 -> new SpeakerCheckpoint.Features("sphinx-mfc", null, SpeakerCheckpoint.Features.UTTERANCE_CMVN);
        };
    }
}
