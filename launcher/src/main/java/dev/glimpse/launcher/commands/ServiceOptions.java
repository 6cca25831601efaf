package dev.glimpse.launcher.commands;

import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.PlatformConfig;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every configurable service command shares ({@code --topic-prefix}, {@code --metrics-port},
 * {@code -c key=value}, {@code --config-reference}), mixed into the command with
 * {@code @Mixin ServiceOptions service = new ServiceOptions(port)}: each service keeps its own metrics port,
 * which picocli takes (and shows in the help) as the option's initial value.
 */
final class ServiceOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of every topic name")
    String topicPrefix;

    @Option(names = "--metrics-port",
            description = "Prometheus /metrics and /health; 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = {"-c", "--config"},
            description = "any ${COMMAND-NAME} configuration key=value (see --config-reference); repeatable")
    Map<String, String> extra = new LinkedHashMap<>();

    @Option(names = "--config-reference", description = "print the configuration reference (Markdown) and exit")
    boolean configReference;

    /** Exit code of a command whose configuration was refused. */
    static final int BAD_CONFIG = 2;

    ServiceOptions(int defaultMetricsPort) {
        this.metricsPort = defaultMetricsPort;
    }

    /** Prints the reference when {@code --config-reference} was given; true means the command is done. */
    boolean printedReference(ConfigDefinition definition) {
        if (configReference) {
            System.out.print(definition.toMarkdown());
        }
        return configReference;
    }

    /** A new map of raw configuration values holding the shared options, for the command to add its own to. */
    Map<String, Object> values() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.TOPIC_PREFIX, topicPrefix);
        values.put(PlatformConfig.METRICS_PORT, metricsPort);
        return values;
    }

    /**
     * Adds the {@code -c} values (they win over the options) and parses; a bad value is reported as one line
     * {@code "<service>: <error naming the key>"} on the command's stderr and gives empty: the command then exits with
     * {@link #BAD_CONFIG}.
     */
    <C> Optional<C> parse(String service, Map<String, Object> values, Function<Map<String, Object>, C> parser) {
        values.putAll(extra);
        try {
            return Optional.of(parser.apply(values));
        } catch (IllegalArgumentException e) { // ConfigException and the services' own checks both name the key
            PrintWriter err = command.commandLine().getErr();
            err.println(service + ": " + e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }
}
