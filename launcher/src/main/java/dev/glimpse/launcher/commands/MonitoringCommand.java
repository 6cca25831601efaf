package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.metrics.MetricsServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
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

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of every topic name")
    String topicPrefix;

    @Option(names = "--metrics-port", defaultValue = "9405", description = "Prometheus /metrics and /health; 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = {"-c", "--config"}, description = "any monitoring configuration key=value (see --config-reference); repeatable")
    Map<String, String> extra = new LinkedHashMap<>();

    @Option(names = "--config-reference", description = "print the configuration reference (Markdown) and exit")
    boolean configReference;

    @Override
    public Integer call() throws Exception {
        if (configReference) {
            System.out.print(MonitoringService.definition().toMarkdown());
            return 0;
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            System.err.println("monitoring: --bootstrap-servers is required (the monitor runs against an external cluster; "
                    + "./glimpse demo runs it on an embedded one)");
            return 2;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(PlatformConfig.TOPIC_PREFIX, topicPrefix);
        values.put(PlatformConfig.METRICS_PORT, metricsPort);
        values.put(MonitoringConfig.WINDOW_SIZE_MS, Long.toString(windowMs));
        values.put(MonitoringConfig.WINDOW_HOP_MS, Long.toString(hopMs == null ? windowMs : hopMs));
        values.put(MonitoringConfig.REFERENCE_WINDOWS, Integer.toString(referenceWindows));
        values.put(MonitoringService.MODEL_STORE, storeDir.toString());
        values.put(MonitoringService.STATE_DIR, stateDir.toString());
        values.putAll(extra);
        Config config;
        try {
            config = MonitoringService.definition().parse(values);
            MonitoringService.monitoringConfig(config);
        } catch (IllegalArgumentException e) { // ConfigException and MonitoringConfig errors both name the key
            System.err.println("monitoring: " + e.getMessage());
            return 2;
        }

        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "glimpse-monitoring-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        var registry = MetricsServer.newRegistry(MonitoringService.NAME);
        MetricsServer metrics = null;
        try (MonitoringService service = new MonitoringService(config, registry)) {
            int port = config.getInt(PlatformConfig.METRICS_PORT);
            if (port >= 0) {
                metrics = MetricsServer.start(registry, config.getString(PlatformConfig.METRICS_HOST), port);
                metrics.addHealthCheck(MonitoringService.NAME, service::isRunning);
            }
            service.start();
            System.out.println("monitoring running: drift reports → '" + PlatformConfig.catalog(config).drift().name() + "'"
                    + (metrics != null ? "; metrics on " + metrics.uri() + "/metrics" : "") + "; Ctrl-C stops");
            stop.await();
            return 0;
        } finally {
            if (metrics != null) {
                metrics.close();
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and waits for 'stopped'
            }
        }
    }
}
