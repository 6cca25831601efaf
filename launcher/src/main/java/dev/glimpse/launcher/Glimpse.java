package dev.glimpse.launcher;

import dev.glimpse.platform.kafka.DataDirInUseException;
import java.util.Comparator;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./glimpse} command line: every subcommand is a {@link GlimpseCommand} found by ServiceLoader. */
@Command(name = "glimpse", mixinStandardHelpOptions = true, version = "glimpse 0.1.0",
        description = "Explainable image classification on Apache Kafka and ONNX Runtime.")
public final class Glimpse implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Glimpse());
        ServiceLoader.load(GlimpseCommand.class).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(Comparator.comparing(c -> new CommandLine(c).getCommandName()))
                .forEach(c -> cli.addSubcommand(c));
        cli.setExecutionExceptionHandler(Glimpse::usageError);
        return cli;
    }

    /**
     * A bad option value or a data directory another process holds, thrown by any command: one line naming the command
     * and what was wrong, exit 2 — never a stack trace. Anything else is a fault and keeps picocli's report.
     */
    static int usageError(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalArgumentException || e instanceof DataDirInUseException) {
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            command.getErr().flush();
            return 2;
        }
        throw e;
    }

    public static void main(String[] args) {
        // A Kafka client logs a line per connection attempt to a broker that is down or refuses its credentials:
        // the services say it themselves, once (ClusterCheck at start; /health and metrics afterwards).
        String networkClient = "org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient";
        if (System.getProperty(networkClient) == null) {
            System.setProperty(networkClient, "off");
        }
        System.exit(commandLine().execute(args));
    }
}
