package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse monitoring}: the drift and live-accuracy monitor alone, against an external cluster. */
@Command(name = "monitoring", mixinStandardHelpOptions = true,
        description = "Window predictions per model version, compare each window with the version's reference "
                + "(PSI, Jensen-Shannon, KS, MMD, live accuracy); reports go to 'drift' and to /metrics.")
public final class MonitoringCommand implements GlimpseCommand, ConfigurableCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port] (required unless given by -c, --config or GLIMPSE_BOOTSTRAP_SERVERS)")
    String bootstrapServers;

    @Option(names = "--window", defaultValue = "60000", description = "window size in ms of event time (default: ${DEFAULT-VALUE})")
    long windowMs;

    @Option(names = "--hop", description = "window advance in ms (default: the window size, i.e. tumbling windows)")
    Long hopMs;

    @Option(names = "--reference-windows", defaultValue = "3",
            description = "windows forming the reference of a version without recorded statistics (default: ${DEFAULT-VALUE})")
    int referenceWindows;

    @Option(names = "--store-dir", defaultValue = "data/models",
            description = "model store root, read for reference statistics in model.json (default: ${DEFAULT-VALUE})")
    Path storeDir;

    @Option(names = "--state-dir", defaultValue = "data/monitoring", description = "Kafka Streams state (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Mixin
    ServiceOptions service = new ServiceOptions(MonitoringService.METRICS_PORT);

    @Override
    public ConfigDefinition definition() {
        return MonitoringService.definition();
    }

    /** The configuration sources of this command line (not yet parsed). */
    ConfigSources sources() {
        ServiceOptions.Flags flags = service.flags()
                .put("--bootstrap-servers", PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers)
                .put("--window", MonitoringConfig.WINDOW_SIZE_MS, windowMs)
                .put("--hop", MonitoringConfig.WINDOW_HOP_MS, hopMs)
                .put("--reference-windows", MonitoringConfig.REFERENCE_WINDOWS, referenceWindows)
                .put("--store-dir", MonitoringService.MODEL_STORE, storeDir)
                .put("--state-dir", MonitoringService.STATE_DIR, stateDir);
        ConfigSources sources = service.sources(MonitoringService.definition(), Map.of(), flags, Map.of());
        if (sources.isGiven(MonitoringConfig.WINDOW_SIZE_MS) && !sources.isGiven(MonitoringConfig.WINDOW_HOP_MS)) {
            // a window size alone means tumbling windows of that size
            sources.commandDefaults(Map.of(MonitoringConfig.WINDOW_HOP_MS, sources.raw().get(MonitoringConfig.WINDOW_SIZE_MS)));
        }
        return sources;
    }

    private record Parsed(ConfigSources sources, Config config) {
    }

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(definition())) {
            return 0;
        }
        Optional<Parsed> parsed = service.parse("monitoring", () -> {
            ConfigSources sources = sources();
            Config config = sources.parse();
            MonitoringService.monitoringConfig(config); // the rules between keys (hop <= size, ...)
            return new Parsed(sources, config);
        });
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        if (!parsed.get().sources().isGiven(PlatformConfig.BOOTSTRAP_SERVERS)) {
            System.err.println("monitoring: --bootstrap-servers is required (or bootstrap.servers from -c, --config or "
                    + "GLIMPSE_BOOTSTRAP_SERVERS; the monitor runs against an external cluster; ./glimpse demo runs it on an embedded one)");
            return ServiceOptions.BAD_CONFIG;
        }
        Config config = parsed.get().config();
        if (!ClusterStartup.reachable("monitoring", config)) {
            return ServiceOptions.BAD_CONFIG;
        }

        try (ServiceRunner runner = ServiceRunner.forConfig(MonitoringService.NAME, config);
             MonitoringService monitoring = new MonitoringService(config, runner.registry())) {
            runner.addHealthCheck(MonitoringService.NAME, monitoring::isRunning);
            monitoring.start();
            System.out.println(StartupLine.of("monitoring", config)
                    .add("drift reports →", "'" + PlatformConfig.catalog(config).drift().name() + "'")
                    .dir("Streams state", config.getPath(StreamsKeys.STATE_DIR))
                    + runner.metricsNote() + "; Ctrl-C stops");
            runner.awaitShutdown();
            return 0;
        }
    }
}
