package dev.attune.cli;

import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.data.An4Corpus;
import dev.attune.nn.data.FolderCorpus;
import dev.attune.nn.data.FsddCorpus;
import dev.attune.nn.data.Hw4Corpus;
import dev.attune.nn.data.Split;
import dev.attune.nn.data.Utterance;
import dev.attune.nn.train.SpeakerCheckpoint.Features;
import dev.attune.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The speaker corpora as the {@code train}, {@code eval} and {@code predict} commands read them:
 * format detection, the training/validation split of each format, the label order, the feature
 * settings, and feature extraction spread over the cores.
 */
final class SpeakerData {
    private SpeakerData() {}

    /** The corpus layouts. */
    enum Format { FSDD, AN4, HW4, FOLDERS }

    /** A corpus read from disk: its labelled utterances, the unlabelled ones (HW4 test set), the label order. */
    record Corpus(Format format, List<Utterance> labelled, List<Utterance> unlabelled, List<String> speakers) {}

    /** Parses {@code fsdd|an4|hw4|folders}; null detects the format from the folder's contents. */
    static Format format(String name, Path dir) throws IOException {
        if (name != null) {
            try {
                return Format.valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown format '" + name + "' (fsdd, an4, hw4, folders)");
            }
        }
        if (!Files.isDirectory(dir)) throw new IOException("data folder " + dir + " does not exist");
        if (Files.isRegularFile(dir.resolve("metadata.json"))) return Format.HW4;
        if (Files.isDirectory(dir.resolve("etc")) && Files.isDirectory(dir.resolve("feat"))) return Format.AN4;
        Path rec = Files.isDirectory(dir.resolve("recordings")) ? dir.resolve("recordings") : dir;
        try (Stream<Path> s = Files.list(rec)) {
            if (s.anyMatch(p -> p.getFileName().toString().matches("\\d_[^_]+_\\d+\\.wav"))) return Format.FSDD;
        }
        return Format.FOLDERS;
    }

    /** Reads every utterance of {@code dir} (for AN4 every split listed in {@code etc/}). */
    static Corpus load(Format format, Path dir) throws IOException {
        return switch (format) {
            case FSDD -> {
                FsddCorpus c = FsddCorpus.load(dir);
                yield new Corpus(format, c.utterances(), List.of(), c.speakers());
            }
            case AN4 -> {
                List<Utterance> all = new ArrayList<>();
                try (Stream<Path> s = Files.list(dir.resolve("etc"))) {
                    for (String f : s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("an4_") && n.endsWith(".fileids")).sorted().toList()) {
                        all.addAll(An4Corpus.load(dir, f.substring(4, f.length() - ".fileids".length())));
                    }
                }
                yield new Corpus(format, all, List.of(), speakersOf(all));
            }
            case HW4 -> {
                Hw4Corpus c = Hw4Corpus.load(dir);
                List<String> names = new ArrayList<>();
                for (int i = 0; i < c.speakerCount(); i++) names.add(c.speakerName(i));
                yield new Corpus(format, c.utterances(), c.testUtterances(), names);
            }
            case FOLDERS -> {
                List<Utterance> all = FolderCorpus.load(dir);
                yield new Corpus(format, all, List.of(), speakersOf(all));
            }
        };
    }

    /**
     * The training/validation split of each format: FSDD by repetition number (every tenth, so
     * each speaker and digit is on both sides), AN4 the last two utterances of each speaker, HW4
     * a seeded 90/10 random split, folders the last tenth (at least one) of each speaker's files.
     */
    static Split<Utterance> split(Corpus c, long seed) {
        return switch (c.format()) {
            case FSDD -> Split.of(c.labelled(), u -> repetition(u) % 10 == 0);
            case AN4 -> lastPerSpeaker(c.labelled(), n -> 2);
            case HW4 -> {
                int n = c.labelled().size();
                int[] perm = new Generator(seed).permutation(n);
                boolean[] held = new boolean[n];
                for (int i = 0; i < Math.max(1, n / 10); i++) held[perm[i]] = true;
                List<Utterance> train = new ArrayList<>(), valid = new ArrayList<>();
                for (int i = 0; i < n; i++) (held[i] ? valid : train).add(c.labelled().get(i));
                yield new Split<>(train, valid);
            }
            case FOLDERS -> lastPerSpeaker(c.labelled(), n -> Math.max(1, n / 10));
        };
    }

    private static int repetition(Utterance u) {
        return Integer.parseInt(u.id().substring(u.id().lastIndexOf('_') + 1));
    }

    /** Holds out the last {@code count(n)} of each speaker's n utterances (none when a speaker has only one). */
    private static Split<Utterance> lastPerSpeaker(List<Utterance> all, java.util.function.IntUnaryOperator count) {
        Map<String, List<Utterance>> bySpeaker = new LinkedHashMap<>();
        for (Utterance u : all) bySpeaker.computeIfAbsent(u.speaker(), k -> new ArrayList<>()).add(u);
        Set<Utterance> held = new java.util.HashSet<>();
        for (List<Utterance> list : bySpeaker.values()) {
            int k = list.size() < 2 ? 0 : Math.min(list.size() - 1, count.applyAsInt(list.size()));
            held.addAll(list.subList(list.size() - k, list.size()));
        }
        return Split.of(all, held::contains);
    }

    /**
     * The feature settings of a format: fbank or AN4 cepstra with global CMVN (fitted later on the
     * training utterances: per-utterance CMVN would remove the spectral envelope that tells speakers
     * apart), HW4 mels as given.
     */
    static Features features(Format format) {
        return switch (format) {
            case FSDD, FOLDERS -> Features.fbankGlobalCmvn(FbankOptions.DEFAULTS);
            case AN4 -> new Features("sphinx-mfc", null, Features.GLOBAL_CMVN);
            case HW4 -> new Features("precomputed", null, Features.NONE);
        };
    }

    /** Checks that a checkpoint's features can be computed from this format's utterances. */
    static void requireCompatible(Features f, Format format) {
        String needed = features(format).source();
        if (!f.source().equals(needed)) {
            throw new IllegalArgumentException("the checkpoint reads " + f.source() + " features, but " + format.name().toLowerCase(Locale.ROOT)
                    + " data gives " + needed);
        }
    }

    /** The normalised features of every utterance, computed on all cores, in input order. */
    static List<float[][]> extract(List<Utterance> utterances, Features f) throws IOException {
        return f.extract(utterances, Runtime.getRuntime().availableProcessors());
    }

    /** Class indices of labelled utterances under {@code speakers}; unknown speakers are an error naming them. */
    static int[] labels(List<Utterance> utterances, List<String> speakers) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < speakers.size(); i++) index.put(speakers.get(i), i);
        Set<String> unknown = new TreeSet<>();
        int[] y = new int[utterances.size()];
        for (int i = 0; i < y.length; i++) {
            Integer k = index.get(utterances.get(i).speaker());
            if (k == null) unknown.add(String.valueOf(utterances.get(i).speaker()));
            else y[i] = k;
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("speakers unknown to the checkpoint: " + String.join(", ", unknown)
                    + " (it knows " + speakers.size() + ": " + String.join(", ", speakers) + ")");
        }
        return y;
    }

    private static List<String> speakersOf(List<Utterance> all) {
        return all.stream().map(Utterance::speaker).distinct().sorted().toList();
    }
}
