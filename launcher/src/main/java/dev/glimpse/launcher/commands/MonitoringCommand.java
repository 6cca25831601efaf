package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.PlatformConfig;
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
public final class MonitoringCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port] (required)")
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
    ServiceOptions service = new ServiceOptions(9405);

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(MonitoringService.definition())) {
            return 0;
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            System.err.println("monitoring: --bootstrap-servers is required (the monitor runs against an external cluster; "
                    + "./glimpse demo runs it on an embedded one)");
            return 2;
        }
        Map<String, Object> values = service.values();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(MonitoringConfig.WINDOW_SIZE_MS, Long.toString(windowMs));
        values.put(MonitoringConfig.WINDOW_HOP_MS, Long.toString(hopMs == null ? windowMs : hopMs));
        values.put(MonitoringConfig.REFERENCE_WINDOWS, Integer.toString(referenceWindows));
        values.put(MonitoringService.MODEL_STORE, storeDir.toString());
        values.put(MonitoringService.STATE_DIR, stateDir.toString());
        Optional<Config> parsed = service.parse("monitoring", values, raw -> {
            Config config = MonitoringService.definition().parse(raw);
            MonitoringService.monitoringConfig(config);
            return config;
        });
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        Config config = parsed.get();

        try (ServiceRunner runner = ServiceRunner.forConfig(MonitoringService.NAME, config);
             MonitoringService monitoring = new MonitoringService(config, runner.registry())) {
            runner.addHealthCheck(MonitoringService.NAME, monitoring::isRunning);
            monitoring.start();
            System.out.println("monitoring running: drift reports → '" + PlatformConfig.catalog(config).drift().name() + "'"
                    + runner.metricsNote() + "; Ctrl-C stops");
            runner.awaitShutdown();
            return 0;
        }
    }
}
