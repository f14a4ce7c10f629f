package dev.attune.nn.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The CMU AN4 corpus in its Sphinx layout, read from precomputed cepstra.
 *
 * <p>For a split {@code s} (e.g. {@code train}, {@code test}): {@code etc/an4_s.fileids} lists
 * one feature path per line ({@code an4_clstk/fash/an251-fash-b}), whose features are in
 * {@code feat/<path>.mfc} ({@link SphinxMfc}); {@code etc/an4_s.transcription} has the line
 * {@code WORDS ... (utterance-id)} for each, in the same order. The tokens {@code <s>},
 * {@code </s>} and {@code <sil>} are dropped from transcripts. The speaker is the middle part of
 * the utterance id ({@code an251-fash-b -> fash}).
 */
public final class An4Corpus {

    private static final Set<String> FILLERS = Set.of("<s>", "</s>", "<sil>");

    private An4Corpus() {
    }

    /** Reads split {@code split} of the corpus rooted at {@code root} (the folder holding {@code etc/} and {@code feat/}). */
    public static List<Utterance> load(Path root, String split) throws IOException {
        CorpusFiles.requireDirectory(root, "the AN4 corpus (etc/ and feat/)");
        Path fileids = root.resolve("etc").resolve("an4_" + split + ".fileids");
        Path transcription = root.resolve("etc").resolve("an4_" + split + ".transcription");
        CorpusFiles.requireFile(fileids, "the AN4 file list of split '" + split + "'");
        CorpusFiles.requireFile(transcription, "the AN4 transcripts of split '" + split + "'");
        List<String> ids = nonBlank(Files.readAllLines(fileids, StandardCharsets.UTF_8));
        List<String> lines = nonBlank(Files.readAllLines(transcription, StandardCharsets.UTF_8));
        if (ids.size() != lines.size()) {
            throw new CorpusFormatException(transcription, "expected one transcript per line of " + fileids.getFileName()
                + " (" + ids.size() + "), found " + lines.size());
        }
        List<Utterance> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            String line = lines.get(i);
            int open = line.lastIndexOf('(');
            if (open < 0 || !line.endsWith(")")) {
                throw new CorpusFormatException(transcription, "line " + (i + 1) + ": expected 'WORDS ... (utterance-id)', found '" + line + "'");
            }
            String id = line.substring(open + 1, line.length() - 1).trim();
            String fileId = ids.get(i);
            String fileName = fileId.substring(fileId.lastIndexOf('/') + 1);
            if (!fileName.equals(id)) {
                throw new CorpusFormatException(transcription, "line " + (i + 1) + ": expected utterance '" + fileName
                    + "' (line " + (i + 1) + " of " + fileids.getFileName() + "), found '" + id + "'");
            }
            List<String> words = new ArrayList<>();
            for (String w : line.substring(0, open).trim().split("\\s+")) {
                if (!w.isEmpty() && !FILLERS.contains(w)) {
                    words.add(w);
                }
            }
            String speaker;
            try {
                speaker = speakerOf(id);
            } catch (IllegalArgumentException e) {
                throw new CorpusFormatException(transcription, "line " + (i + 1) + ": " + e.getMessage());
            }
            Path feat = root.resolve("feat").resolve(fileId + ".mfc");
            CorpusFiles.requireFile(feat, "the features of utterance " + id);
            out.add(new Utterance(id, speaker, String.join(" ", words), feat, Utterance.Kind.SPHINX_MFC));
        }
        return out;
    }

    /** The speaker of an AN4 utterance id: its middle dash-separated part ({@code an251-fash-b -> fash}). */
    public static String speakerOf(String utteranceId) {
        String[] parts = utteranceId.split("-");
        if (parts.length != 3 || parts[1].isEmpty()) {
            throw new IllegalArgumentException("An4Corpus.speakerOf: expected an id like an251-fash-b, got '" + utteranceId + "'");
        }
        return parts[1];
    }

    private static List<String> nonBlank(List<String> lines) {
        return lines.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
