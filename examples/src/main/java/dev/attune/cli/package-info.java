/**
 * The {@code attune} command line (picocli).
 *
 * <p>{@link dev.attune.cli.Main} is the top-level command; each subcommand is one class in this
 * package. To add a command:
 * <ol>
 *   <li>write a class annotated with {@code @Command(name = "...", description = "...")} that
 *       extends {@link dev.attune.cli.AttuneCommand} and implements {@code call()}, returning the
 *       exit code (0 on success);</li>
 *   <li>add the class to the {@code subcommands} list of {@link dev.attune.cli.Main}.</li>
 * </ol>
 * Commands write through {@code out()} / {@code err()} (never {@code System.out}), so the tests
 * can run them in-process and read what they printed. Bad input is reported by throwing an
 * exception with a clear message ({@link java.lang.IllegalArgumentException},
 * {@link java.io.IOException}, ...): {@link dev.attune.cli.Main} prints
 * {@code attune <command>: <message>} and exits with status 1 (the stack trace is printed when the
 * environment variable {@code ATTUNE_DEBUG} is set). Wrong arguments (unknown command, unknown
 * option, missing parameter) exit with status 2 after the error and the command's usage.
 * {@code -h}/{@code --help} is inherited by every subcommand.
 */
package dev.attune.cli;
