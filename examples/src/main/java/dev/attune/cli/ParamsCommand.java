package dev.attune.cli;

import dev.attune.nn.Models;
import dev.attune.nn.Module;
import dev.attune.tensor.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code attune params MODEL}: the module tree as PyTorch prints it, then the parameter count. */
@Command(name = "params", description = "Print a model's module tree and its number of parameters.")
final class ParamsCommand extends AttuneCommand {

    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "Model name; without it, the list of models.")
    private String model;

    @Override
    public Integer call() {
        if (model == null) {
            for (Models.Entry e : Models.entries()) out().printf("%-22s %s%n", e.name(), e.description());
            return 0;
        }
        Module m = Models.build(model, new Generator(0));
        out().println(m);
        out().println("total parameters: " + m.parameterCount());
        return 0;
    }
}
