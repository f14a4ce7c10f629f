package dev.attune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base class of the {@code attune} subcommands: gives access to the command's output streams
 * (set on the {@link CommandLine}, so tests can capture them) and to the repository root.
 */
public abstract class AttuneCommand implements Callable<Integer> {

    /** Injected by picocli: this command's model, and through it its {@link CommandLine}. */
    @Spec
    protected CommandSpec spec;

    /** {@code -h}/{@code --help} on every subcommand. */
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean helpRequested;

    /** Where the command prints its results. */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Where the command prints warnings and progress. */
    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * The repository root: the system property {@code attune.home} (set by the {@code ./attune}
     * launcher), else the current directory.
     */
    protected static Path home() {
        return Path.of(System.getProperty("attune.home", ".")).toAbsolutePath().normalize();
    }
}
