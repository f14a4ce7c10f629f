package dev.attune.cli;

import java.util.ArrayList;
import java.util.List;

import dev.attune.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code attune version}: the Attune version and what the engine will run on. */
@Command(name = "version",
        description = "Print the Attune version, the Java runtime, the Vector API width and the CPU thread count.")
public final class VersionCommand extends AttuneCommand {

    @Override
    public Integer call() {
        for (String line : lines()) {
            out().println(line);
        }
        out().flush();
        return 0;
    }

    /** The lines {@code attune version} and {@code attune --version} print. */
    static List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("attune " + BuildInfo.version());
        lines.add("Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ") at " + System.getProperty("java.home"));
        lines.add(vectorLine());
        lines.add("CPU threads: " + Parallel.threads() + " (of " + Runtime.getRuntime().availableProcessors()
                + " available processors; set with -Dattune.threads=N)");
        lines.add("OS: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return lines;
    }

    private static String vectorLine() {
        try {
            return "Vector API: preferred species " + VectorProbe.preferredFloats() + " floats ("
                    + VectorProbe.preferredBits() + "-bit)";
        } catch (LinkageError e) {
            return "Vector API: unavailable (" + e + "); start the JVM with --add-modules jdk.incubator.vector";
        }
    }

    /** Supplies {@code attune --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines().toArray(String[]::new);
        }
    }
}
