package dev.attune.cli;

import picocli.CommandLine.Command;

/** {@code attune decode TASK}: transcribe files with a trained model; {@code decode las} is speech recognition. */
@Command(name = "decode", description = "Transcribe audio or feature files with a trained model.", synopsisSubcommandLabel = "TASK",
        subcommands = LasCommands.Decode.class)
final class DecodeCommand extends TaskGroupCommand {
}
