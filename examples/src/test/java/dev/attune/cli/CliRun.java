package dev.attune.cli;

import java.io.PrintWriter;
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
}
