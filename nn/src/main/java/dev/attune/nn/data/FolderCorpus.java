package dev.attune.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A speaker-labelled corpus laid out as one sub-folder per speaker holding that speaker's WAV
 * files: {@code root/<speaker>/<name>.wav}. The utterance id is {@code <speaker>/<name>}; there
 * are no transcripts. Hidden folders, sub-folders without WAV files and other files are ignored.
 */
public final class FolderCorpus {

    private FolderCorpus() {
    }

    /** Lists the utterances under {@code root}, sorted by speaker, then file name. */
    public static List<Utterance> load(Path root) throws IOException {
        CorpusFiles.requireDirectory(root, "one sub-folder of WAV files per speaker");
        List<Path> speakers;
        try (Stream<Path> s = Files.list(root)) {
            speakers = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        List<Utterance> out = new ArrayList<>();
        for (Path dir : speakers) {
            String speaker = dir.getFileName().toString();
            for (Path wav : CorpusFiles.wavFiles(dir)) {
                out.add(new Utterance(speaker + "/" + CorpusFiles.stem(wav), speaker, null, wav, Utterance.Kind.WAV));
            }
        }
        if (out.isEmpty()) {
            throw new CorpusFormatException(root, "expected sub-folders <speaker>/*.wav, found no WAV files in " + speakers.size() + " sub-folders");
        }
        return out;
    }
}
