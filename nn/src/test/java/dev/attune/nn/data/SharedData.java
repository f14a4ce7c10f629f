package dev.attune.nn.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real corpora of {@code ../shared/data} for tests: the system property
 * {@code attune.data} if set, else the first {@code shared/data} found walking up from the working
 * directory. Tests call {@link #require} and are skipped, with the reason, when it is absent.
 */
public final class SharedData {

    private SharedData() {
    }

    /** The corpus folder {@code name} (e.g. "fsdd"), or a skipped test when it cannot be found. */
    public static Path require(String name) {
        Path root = root();
        assumeTrue(root != null, "real corpora not found: set -Dattune.data=/path/to/shared/data or place them in ../shared/data");
        Path dir = root.resolve(name);
        assumeTrue(Files.isDirectory(dir), "corpus folder " + dir + " not present");
        return dir;
    }

    private static Path root() {
        String prop = System.getProperty("attune.data");
        if (prop != null && !prop.isBlank()) {
            return Files.isDirectory(Path.of(prop)) ? Path.of(prop) : null;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
