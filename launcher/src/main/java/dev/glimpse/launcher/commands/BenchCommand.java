package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.BenchSubcommand;
import dev.glimpse.launcher.GlimpseCommand;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./glimpse bench <what>}: the benchmarks, each a {@link BenchSubcommand} found by ServiceLoader so that
 * every module adds its own ({@code bench explain}, {@code bench train}, ...) without editing this class.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Performance figures, each a ratio measured in one run.")
public final class BenchCommand implements GlimpseCommand, Runnable {

    private CommandLine.Model.CommandSpec spec;

    /** Picocli injects the spec while building this command; the discovered benchmarks are attached then. */
    @CommandLine.Spec
    void attachBenchmarks(CommandLine.Model.CommandSpec spec) {
        this.spec = spec;
        for (BenchSubcommand b : ServiceLoader.load(BenchSubcommand.class)) {
            CommandLine sub = new CommandLine(b);
            if (!spec.subcommands().containsKey(sub.getCommandName())) {
                spec.addSubcommand(sub.getCommandName(), sub);
            }
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
