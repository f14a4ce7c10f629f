package dev.attune.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** File-system helpers shared by the corpus readers: checked folders and sorted listings. */
final class CorpusFiles {

    private CorpusFiles() {
    }

    /** Throws unless {@code dir} is a folder; {@code what} names the expected content in the message. */
    static void requireDirectory(Path dir, String what) throws CorpusFormatException {
        if (!Files.isDirectory(dir)) {
            throw new CorpusFormatException(dir, "expected a folder holding " + what + ", found "
                + (Files.exists(dir) ? "a file" : "nothing"));
        }
    }

    /** Throws unless {@code file} is a regular file; {@code what} names it in the message. */
    static void requireFile(Path file, String what) throws CorpusFormatException {
        if (!Files.isRegularFile(file)) {
            throw new CorpusFormatException(file, "expected " + what + ", found " + (Files.exists(file) ? "a folder" : "no such file"));
        }
    }

    /** The regular files in {@code dir} whose names end with {@code .wav} (any case), sorted by name. */
    static List<Path> wavFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".wav"))
                .sorted()
                .toList();
        }
    }

    /** A file name without its last extension. */
    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
