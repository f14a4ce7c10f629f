package dev.attune.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The Attune version, from {@code attune-version.properties}, which Maven fills in with
 * {@code ${project.version}} at build time (resource filtering in {@code examples/pom.xml}), so
 * the version is written only in the poms.
 */
public final class BuildInfo {
    private static final String RESOURCE = "attune-version.properties";
    private static final String VERSION = load();

    private BuildInfo() {}

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("attune: resource " + RESOURCE + " is missing from the class path");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            if (v.isEmpty() || v.contains("${")) {
                throw new IllegalStateException("attune: " + RESOURCE + " has no filtered version (got '" + v
                        + "'); build with Maven so that resource filtering fills it in");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException("attune: cannot read " + RESOURCE, e);
        }
    }
}
