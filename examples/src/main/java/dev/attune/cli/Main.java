package dev.attune.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code attune}: the Attune command line. Without arguments it prints its usage.
 *
 * <p>Subcommands are listed in {@code subcommands} below; see the package documentation for how
 * to add one. Exit codes: 0 success, 1 the command failed (its message is printed), 2 wrong
 * arguments (unknown command or option; the message and the usage are printed).
 *
 * <p>Run it through the {@code ./attune} launcher, which finds a JDK 25, builds the project when
 * needed and passes the JVM flags the engine needs ({@code attune.jvm.args} in the root pom).
 */
@Command(name = "attune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Attune: a deep-learning engine in Java (autograd, Vector API CPU backend, CUDA kernels, speech models).",
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {
            "Build commands of the ./attune launcher (they run Maven, not this program):",
            "  test     Build everything and run every test (extra arguments go to Maven).",
            "  build    Build everything without running the tests.",
            "",
            "Run `attune help COMMAND` or `attune COMMAND --help` for a command's options."
        },
        subcommands = {
            HelpCommand.class,
            VersionCommand.class,
            ParamsCommand.class,
            ExplainCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            DecodeCommand.class,
            BenchCommand.class,
        })
public final class Main implements Callable<Integer> {

    /** Launcher commands handled by {@code ./attune} itself, never by this program. */
    private static final Set<String> LAUNCHER_COMMANDS = Set.of("test", "build");

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line; tests call this and {@link CommandLine#execute} in-process. */
    public static CommandLine newCommandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setParameterExceptionHandler(Main::onBadArguments);
        cmd.setExecutionExceptionHandler(Main::onFailure);
        return cmd;
    }

    /** {@code attune} alone prints the usage. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Wrong arguments: the message, suggestions, the usage of the command concerned; exit 2. */
    private static int onBadArguments(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage();
        String unknownCommand = null;
        if (cmd.getParent() == null && ex instanceof UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            if (!first.isEmpty() && !first.startsWith("-")) {
                unknownCommand = first;
                message = "unknown command '" + first + "'";
                if (LAUNCHER_COMMANDS.contains(first)) {
                    message += " here: '" + first + "' is a command of the ./attune launcher (run ./attune " + first + ")";
                }
            }
        }
        err.println(cmd.getColorScheme().errorText(cmd.getCommandSpec().qualifiedName() + ": " + message));
        if (unknownCommand != null) {
            List<String> close = closeCommands(unknownCommand, cmd.getSubcommands().keySet());
            if (!close.isEmpty()) {
                err.println("Did you mean: " + String.join(" or ", close) + "?");
            }
        } else {
            UnmatchedArgumentException.printSuggestions(ex, err);
        }
        err.println();
        cmd.usage(err, cmd.getColorScheme());
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Command names within two edits of {@code typed}, or that it abbreviates. */
    static List<String> closeCommands(String typed, Collection<String> names) {
        String t = typed.toLowerCase(Locale.ROOT);
        List<String> close = new ArrayList<>();
        for (String name : names) {
            if (editDistance(t, name) <= Math.min(2, name.length() / 3 + 1)
                    || (t.length() >= 2 && name.startsWith(t))) {
                close.add(name);
            }
        }
        return close;
    }

    /** Levenshtein distance. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    /** A command threw: print {@code attune <command>: <message>}, the stack trace only with ATTUNE_DEBUG; exit 1. */
    private static int onFailure(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText(cmd.getCommandSpec().qualifiedName() + ": " + describe(ex)));
        if (System.getenv("ATTUNE_DEBUG") != null) {
            ex.printStackTrace(err);
        } else {
            err.println("(set ATTUNE_DEBUG=1 to see the stack trace)");
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    /** Expected failures (bad input, I/O) by their message; anything else also by its class. */
    private static String describe(Throwable ex) {
        String msg = ex.getMessage();
        boolean expected = ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof IOException || ex instanceof UncheckedIOException
                || ex instanceof UnsupportedOperationException;
        if (expected && msg != null && !msg.isBlank()) {
            return msg;
        }
        return ex.getClass().getName() + (msg == null ? "" : ": " + msg);
    }
}
