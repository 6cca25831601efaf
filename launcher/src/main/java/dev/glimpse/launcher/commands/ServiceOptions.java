package dev.glimpse.launcher.commands;

import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.HttpSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The options every configurable service command shares ({@code --topic-prefix}, {@code --metrics-port}, {@code --bind},
 * {@code --tls-cert}/{@code --tls-key},
 * {@code -c key=value}, {@code --config FILE}, {@code --config-reference}), mixed into the command with
 * {@code @Mixin ServiceOptions service = new ServiceOptions(port)}: each service keeps its own metrics port,
 * which picocli shows in the help as the option's initial value.
 * <p>
 * The values reach the service through {@link ConfigSources}, in its one precedence: defaults &lt; {@code --config
 * FILE} &lt; {@code GLIMPSE_<KEY>} &lt; {@code -c key=value} &lt; flags. A flag counts only when it was typed
 * ({@link #flags()}): its default never hides a value from {@code -c}, the file or the environment.
 */
final class ServiceOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--topic-prefix", description = "prefix of every topic name (topics.prefix)")
    String topicPrefix;

    @Option(names = "--metrics-port",
            description = "Prometheus /metrics and /health; 0 = any free port, -1 = off (metrics.port; default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--bind", paramLabel = "ADDR",
            description = "address every HTTP listener of the service binds: API, console, operator API, metrics "
                    + "(http.bind; default: 127.0.0.1; 0.0.0.0 = all interfaces, e.g. in a container)")
    String bind;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "serve HTTPS with this PEM certificate (chain); with --tls-key (http.tls.cert)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "PKCS#8 PEM private key of --tls-cert (http.tls.key)")
    Path tlsKey;

    @Option(names = "-c", paramLabel = "KEY=VALUE",
            description = "any ${COMMAND-NAME} configuration key (see --config-reference); repeatable; wins over "
                    + "--config FILE and GLIMPSE_<KEY> environment variables, loses to the other flags")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--config", paramLabel = "FILE",
            description = "Java properties file of configuration keys (see --config-reference)")
    Path configFile;

    @Option(names = "--config-reference", description = "print the configuration reference (Markdown) and exit")
    boolean configReference;

    /** Where {@code GLIMPSE_<KEY>} variables are read; tests replace it. */
    Map<String, String> environment = System.getenv();

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

    /** Whether the user typed {@code option} (a default does not count). */
    boolean matched(String option) {
        ParseResult parsed = command.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** The flags layer, holding the shared options the user typed; the command adds its own. */
    Flags flags() {
        return new Flags().put("--topic-prefix", PlatformConfig.TOPIC_PREFIX, topicPrefix)
                .put("--metrics-port", PlatformConfig.METRICS_PORT, metricsPort)
                .put("--bind", HttpSettings.BIND, bind)
                .put("--tls-cert", HttpSettings.TLS_CERT, tlsCert)
                .put("--tls-key", HttpSettings.TLS_KEY, tlsKey);
    }

    /**
     * The sources of a service's configuration: the file, the environment, {@code -c} and the typed flags.
     *
     * @param commandDefaults values the command derives (e.g. the default model's path); below everything else
     * @param envAliases      further environment variables for some keys (variable → key)
     */
    ConfigSources sources(ConfigDefinition definition, Map<String, ?> commandDefaults, Flags flags,
                          Map<String, String> envAliases) {
        return new ConfigSources(definition).commandDefaults(commandDefaults).file(configFile)
                .environment(environment, envAliases).overrides(overrides).flags(flags.values);
    }

    /**
     * Runs {@code parse}; a refused configuration is reported as one line {@code "<service>: <error naming the key>"}
     * on the command's stderr and gives empty: the command then exits with {@link #BAD_CONFIG}.
     */
    <C> Optional<C> parse(String service, Callable<C> parse) throws Exception {
        try {
            return Optional.of(parse.call());
        } catch (IllegalArgumentException e) { // ConfigException and the services' own checks both name the key
            PrintWriter err = command.commandLine().getErr();
            err.println(service + ": " + e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }

    /** Values of the options the user typed, by configuration key. */
    final class Flags {
        private final Map<String, Object> values = new LinkedHashMap<>();

        /** Puts {@code value} under {@code key} if {@code option} was typed. */
        Flags put(String option, String key, Object value) {
            if (value != null && matched(option)) {
                values.put(key, value instanceof Path p ? p.toString() : value);
            }
            return this;
        }
    }
}
