package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.metrics.MetricsServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse ingest}: the ingest service alone (HTTP upload, watched directory, dataset replay). */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Accept images (HTTP, a watched directory, dataset replay), validate them and publish to 'images'; "
                + "refused input goes to 'deadletter' with a reason.")
public final class IngestCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port]; "
            + "without it an embedded broker is started on --kafka-data-dir")
    String bootstrapServers;

    @Option(names = "--kafka-data-dir", defaultValue = "data/kafka",
            description = "data directory of the embedded broker (default: ${DEFAULT-VALUE})")
    Path kafkaDataDir;

    @Option(names = "--http-port", defaultValue = "8081", description = "POST /v1/images and /v1/labels; 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--watch", description = "ingest image files appearing in this directory (then moved to done/ or rejected/)")
    Path watch;

    @Option(names = "--dataset", description = "replay a dataset: fashion-mnist, shapes or a directory of class folders")
    String dataset;

    @Option(names = "--rate", defaultValue = "200", description = "replay events per second, 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--limit", defaultValue = "0", description = "replay this many events, 0 = the test split once (default: ${DEFAULT-VALUE})")
    long limit;

    @Option(names = "--feedback-fraction", defaultValue = "0.1", description = "fraction of replayed images whose label is also sent to 'labels' (default: ${DEFAULT-VALUE})")
    double feedbackFraction;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of every topic name")
    String topicPrefix;

    @Option(names = "--metrics-port", defaultValue = "9401", description = "Prometheus /metrics and /health; 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = {"-c", "--config"}, description = "any ingest configuration key=value (see --config-reference); repeatable")
    Map<String, String> extra = new LinkedHashMap<>();

    @Option(names = "--exit-when-done", description = "exit once the dataset replay has finished")
    boolean exitWhenDone;

    @Option(names = "--config-reference", description = "print the configuration reference (Markdown) and exit")
    boolean configReference;

    @Override
    public Integer call() throws Exception {
        if (configReference) {
            System.out.print(IngestConfig.DEFINITION.toMarkdown());
            return 0;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.TOPIC_PREFIX, topicPrefix);
        values.put(PlatformConfig.METRICS_PORT, metricsPort);
        values.put(IngestConfig.HTTP_PORT, httpPort);
        values.put(IngestConfig.RATE, rate);
        values.put(IngestConfig.LIMIT, limit);
        values.put(IngestConfig.FEEDBACK_FRACTION, feedbackFraction);
        if (watch != null) {
            values.put(IngestConfig.WATCH_DIR, watch.toString());
        }
        if (dataset != null) {
            values.put(IngestConfig.DATASET, dataset);
        }
        if (bootstrapServers != null) {
            values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        values.putAll(extra);
        IngestConfig config;
        try {
            config = IngestConfig.parse(values);
        } catch (ConfigException e) {
            System.err.println("ingest: " + e.getMessage());
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
        }, "glimpse-ingest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        EmbeddedKafkaBroker broker = null;
        MetricsServer metrics = null;
        IngestService service = null;
        try {
            if (bootstrapServers == null) {
                broker = EmbeddedKafkaBroker.builder().dataDir(kafkaDataDir).topics(config.catalog()).start();
                config = IngestConfig.parse(withBootstrap(values, broker.bootstrapServers()));
                System.out.println("embedded Kafka broker on " + broker.bootstrapServers() + " (data in "
                        + broker.dataDir() + ")");
            }
            var registry = MetricsServer.newRegistry("ingest");
            int port = config.config().getInt(PlatformConfig.METRICS_PORT);
            if (port >= 0) {
                metrics = MetricsServer.start(registry, config.config().getString(PlatformConfig.METRICS_HOST), port);
            }
            service = new IngestService(config, registry);
            service.start();
            if (metrics != null) {
                metrics.addHealthCheck("ingest", () -> true);
            }
            TopicCatalog catalog = config.catalog();
            System.out.println("ingest running: images → '" + catalog.images().name() + "', refused → '"
                    + catalog.deadletter().name() + "'"
                    + service.httpUri().map(u -> "; POST " + u + "/v1/images").orElse("")
                    + config.watchDir().map(d -> "; watching " + d.toAbsolutePath()).orElse("")
                    + (metrics != null ? "; metrics on " + metrics.uri() + "/metrics" : "")
                    + (service.replay().isPresent() && exitWhenDone ? "; exits when the replay is done" : "; Ctrl-C stops"));
            if (service.replay().isPresent() && exitWhenDone) {
                DatasetReplay.Stats stats = service.replay().get().done().get();
                System.out.printf("replay done: %d published, %d refused, %d labels in %d ms (%.1f events/s)%n",
                        stats.published(), stats.rejected(), stats.labels(), stats.elapsedMs(), stats.eventsPerSecond());
            } else {
                stop.await();
            }
            return 0;
        } finally {
            if (service != null) {
                service.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            if (broker != null) {
                broker.close();
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and waits for 'stopped'
            }
        }
    }

    private static Map<String, Object> withBootstrap(Map<String, Object> values, String servers) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(PlatformConfig.BOOTSTRAP_SERVERS, servers);
        return copy;
    }
}
