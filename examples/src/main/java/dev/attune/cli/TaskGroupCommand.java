package dev.attune.cli;

/** A command whose work is in its task subcommands ({@code train speaker}, ...): alone, it prints its usage. */
abstract class TaskGroupCommand extends AttuneCommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }
}
