package dev.attune.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the command line in-process for tests, capturing its output streams and exit code. */
final class CliRun {
    record Result(int exitCode, String out, String err) {}

    private CliRun() {}

    static Result run(CommandLine cmd, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Result run(String... args) {
        return run(Main.newCommandLine(), args);
    }

    /** The FSDD recordings of the shared corpora ({@code shared/data} above the module); skips the test when absent. */
    static Path fsddRecordings() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/data/fsdd/recordings");
            if (Files.isDirectory(candidate)) return candidate;
        }
        assumeTrue(false, "FSDD data not found in shared/data/fsdd above " + Path.of("").toAbsolutePath());
        return null;
    }
}
