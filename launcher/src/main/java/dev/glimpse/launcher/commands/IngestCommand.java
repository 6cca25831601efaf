package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse ingest}: the ingest service alone (HTTP upload, watched directory, dataset replay). */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Accept images (HTTP, a watched directory, dataset replay), validate them and publish to 'images'; "
                + "refused input goes to 'deadletter' with a reason.")
public final class IngestCommand implements GlimpseCommand, ConfigurableCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port]; "
            + "without it (or bootstrap.servers from -c, --config or GLIMPSE_BOOTSTRAP_SERVERS) an embedded broker is started "
            + "on --kafka-port with its data in --data-dir, as ./glimpse demo does")
    String bootstrapServers;

    @Option(names = "--data-dir", defaultValue = "data",
            description = "the embedded broker keeps its data in DIR/kafka, as in ./glimpse demo (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "embedded broker port when free, else any free port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--kafka-data-dir", description = "data directory of the embedded broker (default: <data-dir>/kafka)")
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

    @Mixin
    ServiceOptions service = new ServiceOptions(IngestConfig.METRICS_PORT);

    @Option(names = "--exit-when-done", description = "exit once the dataset replay has finished")
    boolean exitWhenDone;

    private record Parsed(ConfigSources sources, IngestConfig config) {
    }

    @Override
    public ConfigDefinition definition() {
        return IngestConfig.DEFINITION;
    }

    /** The configuration sources of this command line (not yet parsed). */
    ConfigSources sources() {
        ServiceOptions.Flags flags = service.flags()
                .put("--bootstrap-servers", PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers)
                .put("--http-port", IngestConfig.HTTP_PORT, httpPort)
                .put("--rate", IngestConfig.RATE, rate)
                .put("--limit", IngestConfig.LIMIT, limit)
                .put("--feedback-fraction", IngestConfig.FEEDBACK_FRACTION, feedbackFraction)
                .put("--watch", IngestConfig.WATCH_DIR, watch)
                .put("--dataset", IngestConfig.DATASET, dataset);
        return service.sources(IngestConfig.DEFINITION, Map.of(), flags, Map.of());
    }

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(definition())) {
            return 0;
        }
        Optional<Parsed> parsed = service.parse("ingest", () -> {
            ConfigSources sources = sources();
            IngestConfig config = sources.parse(IngestConfig::parse);
            if (config.httpPort() >= 0 && config.config().getBoolean(BearerAuth.ENABLED)) {
                config.auth(); // no token: one line naming --token-file and GLIMPSE_TOKEN, exit 2
            }
            return new Parsed(sources, config);
        });
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        IngestConfig config = parsed.get().config();
        // without bootstrap servers from any source, the service runs against an embedded broker
        boolean embedded = !parsed.get().sources().isGiven(PlatformConfig.BOOTSTRAP_SERVERS);
        if (!embedded && !ClusterStartup.reachable("ingest", config.config())) {
            return ServiceOptions.BAD_CONFIG;
        }

        EmbeddedKafkaBroker broker = null;
        try (ServiceRunner runner = ServiceRunner.forConfig("ingest", config.config())) {
            try {
                if (embedded) {
                    broker = EmbeddedKafkaBroker.builder()
                            .dataDir(kafkaDataDir != null ? kafkaDataDir : dataDir.resolve("kafka"))
                            .preferredPort(kafkaPort).topics(config.catalog()).start();
                    config = parsed.get().sources().flags(Map.of(PlatformConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers()))
                            .parse(IngestConfig::parse);
                    System.out.println("embedded Kafka broker on " + broker.bootstrapServers() + " (data in "
                            + broker.dataDir() + ")");
                }
                return run(config, runner);
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
        }
    }

    private int run(IngestConfig config, ServiceRunner runner) throws Exception {
        try (IngestService ingest = new IngestService(config, runner.registry())) {
            ingest.start();
            runner.addHealthCheck("ingest", () -> true);
            boolean exitsWhenDone = ingest.replay().isPresent() && exitWhenDone;
            TopicCatalog catalog = config.catalog();
            System.out.println(StartupLine.of("ingest", config.config())
                    .add("images →", "'" + catalog.images().name() + "'")
                    .add("refused →", "'" + catalog.deadletter().name() + "'")
                    + ingest.httpUri().map(u -> ", POST " + u + "/v1/images").orElse("")
                    + config.watchDir().map(d -> ", watching " + d.toAbsolutePath()).orElse("")
                    + runner.metricsNote()
                    + (exitsWhenDone ? "; exits when the replay is done" : "; Ctrl-C stops"));
            if (exitsWhenDone) {
                DatasetReplay.Stats stats = ingest.replay().get().done().get();
                System.out.printf("replay done: %d published, %d refused, %d labels in %d ms (%.1f events/s)%n",
                        stats.published(), stats.rejected(), stats.labels(), stats.elapsedMs(), stats.eventsPerSecond());
            } else {
                runner.awaitShutdown();
            }
            return 0;
        }
    }
}
