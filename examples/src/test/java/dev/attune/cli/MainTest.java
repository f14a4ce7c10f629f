package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.attune.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Runs the {@code attune} command line in-process and checks what it prints and returns. */
class MainTest {

    private static CliRun.Result run(CommandLine cmd, String... args) {
        return CliRun.run(cmd, args);
    }

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void versionIsTheFilteredPomVersion() {
        String v = BuildInfo.version();
        assertTrue(Pattern.matches("\\d+\\.\\d+\\.\\d+(-[A-Za-z0-9.]+)?", v), "version: " + v);
    }

    @Test
    void versionPrintsVersionJavaVectorWidthAndThreads() {
        CliRun.Result r = run("version");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        String[] lines = r.out().split("\\R");
        assertEquals("attune " + BuildInfo.version(), lines[0]);
        assertTrue(r.out().contains("Java " + Runtime.version()), r.out());
        assertTrue(r.out().contains(System.getProperty("java.vendor")), r.out());
        assertTrue(r.out().contains("Vector API: preferred species " + FloatVector.SPECIES_PREFERRED.length() + " floats"),
                r.out());
        assertTrue(r.out().contains("CPU threads: " + Parallel.threads() + " "), r.out());
    }

    @Test
    void dashDashVersionPrintsTheSame() {
        CliRun.Result r = run("--version");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(run("version").out(), r.out());
    }

    @Test
    void helpListsEveryCommand() {
        CliRun.Result r = run("help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Usage: attune"), r.out());
        CommandLine cmd = Main.newCommandLine();
        assertTrue(cmd.getSubcommands().keySet().containsAll(java.util.List.of("help", "version")));
        for (String name : cmd.getSubcommands().keySet()) {
            assertTrue(Pattern.compile("(?m)^\\s+" + Pattern.quote(name) + "\\s+\\S").matcher(r.out()).find(),
                    "help does not list '" + name + "':\n" + r.out());
        }
        // The launcher's own commands are mentioned too.
        assertTrue(Pattern.compile("(?m)^\\s+test\\s+Build everything and run every test").matcher(r.out()).find(), r.out());
    }

    @Test
    void noArgumentsPrintsTheUsage() {
        CliRun.Result r = run();
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(run("help").out(), r.out());
        assertEquals(run("--help").out(), r.out());
    }

    @Test
    void helpOfOneCommand() {
        CliRun.Result r = run("help", "version");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Usage: attune version"), r.out());
        assertEquals(r.out(), run("version", "--help").out());
    }

    @Test
    void unknownCommandIsExitCode2WithMessageAndUsage() {
        CliRun.Result r = run("nonsense");
        assertEquals(2, r.exitCode());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("attune: unknown command 'nonsense'"), r.err());
        assertTrue(r.err().contains("Usage: attune"), r.err());
    }

    @Test
    void misspelledCommandGetsASuggestion() {
        CliRun.Result r = run("versoin");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Did you mean: version?"), r.err());
    }

    @Test
    void farFetchedCommandGetsNoSuggestion() {
        assertFalse(run("nonsense").err().contains("Did you mean"));
        assertEquals(java.util.List.of("version"), Main.closeCommands("vers", java.util.List.of("help", "version")));
        assertEquals(java.util.List.of("help"), Main.closeCommands("hlep", java.util.List.of("help", "version")));
    }

    @Test
    void launcherCommandsAreExplained() {
        CliRun.Result r = run("test");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("run ./attune test"), r.err());
    }

    @Test
    void unknownOptionOfASubcommandIsExitCode2() {
        CliRun.Result r = run("version", "--bogus");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("attune version: Unknown option: '--bogus'"), r.err());
        assertTrue(r.err().contains("Usage: attune version"), r.err());
    }

    @Command(name = "boom", description = "Fails.")
    static final class Boom extends AttuneCommand {
        @Override
        public Integer call() {
            throw new IllegalArgumentException("boom: expected a (2, 3) tensor, got (3, 2)");
        }
    }

    @Test
    void aFailingCommandPrintsItsMessageAndExits1() {
        CommandLine cmd = Main.newCommandLine();
        cmd.addSubcommand(new Boom());
        CliRun.Result r = run(cmd, "boom");
        assertEquals(1, r.exitCode());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("attune boom: boom: expected a (2, 3) tensor, got (3, 2)"), r.err());
        if (System.getenv("ATTUNE_DEBUG") == null) {
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }
}
