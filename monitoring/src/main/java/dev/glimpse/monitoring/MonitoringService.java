package dev.glimpse.monitoring;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.platform.kafka.TopicCreator;
import dev.glimpse.platform.kafka.streams.StreamsDeadLetters;
import dev.glimpse.monitoring.internal.ImageMeasurement;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares every closed window of each model version's predictions with the version's reference and publishes a
 * {@code DriftReport} per statistic to {@code drift} and the latest values as Prometheus gauges.
 */
public final class MonitoringService implements GlimpseService {

    public static final String NAME = "monitoring";
    /** The shared Streams key (formerly {@code monitoring.state.dir}). */
    public static final String STATE_DIR = StreamsKeys.STATE_DIR;
    public static final String MODEL_STORE = "monitoring.model.store";
    public static final String REPLICATION_FACTOR = "monitoring.replication.factor";

    private static final Logger LOG = LoggerFactory.getLogger(MonitoringService.class);

    private final Config config;
    private final MonitoringConfig monitoring;
    private final TopicCatalog topics;
    private final MeterRegistry registry;
    private KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;

    /**
     * @param config   parsed with {@link #definition()}
     * @param registry where the gauges go (the process's Prometheus registry)
     */
    public MonitoringService(Config config, MeterRegistry registry) {
        this.config = config;
        this.monitoring = monitoringConfig(config);
        this.topics = PlatformConfig.catalog(config);
        this.registry = registry;
    }

    /**
     * The service as {@code ./glimpse demo} runs it: the demo's broker and topics, state and model store under its
     * data directory, and 5-second windows so that a short replay (6,000 images at 150/s = 40 s) already yields
     * a reference (3 windows) and several evaluated windows.
     */
    public static MonitoringService forDemo(String bootstrapServers, TopicCatalog topics, Path dataDir,
                                            MeterRegistry registry) {
        return forDemo(bootstrapServers, topics, dataDir, registry, 1);
    }

    /** The demo's service on a cluster whose topics (the Streams state topics too) have {@code replicationFactor} replicas. */
    public static MonitoringService forDemo(String bootstrapServers, TopicCatalog topics, Path dataDir,
                                            MeterRegistry registry, int replicationFactor) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(REPLICATION_FACTOR, replicationFactor);
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(PlatformConfig.TOPIC_PREFIX, topics.prefix());
        values.put(PlatformConfig.METRICS_PORT, -1);
        values.put(MonitoringConfig.WINDOW_SIZE_MS, "5000");
        values.put(MonitoringConfig.WINDOW_HOP_MS, "5000");
        values.put(MonitoringConfig.WINDOW_GRACE_MS, "3000");
        values.put(STATE_DIR, dataDir.resolve("monitoring").toString());
        // one demo per data directory: a restart on it rejoins as the same member, without waiting ~45 s for the
        // previous run's session to expire (Streams does not leave the group when it closes)
        values.put(StreamsKeys.INSTANCE_ID, "demo-monitoring");
        values.put(MODEL_STORE, dataDir.resolve("models").toString());
        return new MonitoringService(definition().parse(values), registry);
    }

    /** Default metrics port of {@code ./glimpse monitoring}. */
    public static final int METRICS_PORT = 9405;

    /**
     * Every key of the monitoring service: the common keys, the topology's keys, the Kafka Streams keys (commits
     * every second; a task waits up to 5 s for the slower of images and predictions, see {@link #streamsProperties})
     * and where the model store is.
     */
    public static ConfigDefinition definition() {
        return new ConfigDefinition(NAME).include(PlatformConfig.common(METRICS_PORT))
                .include(MonitoringConfig.KEYS)
                .include(StreamsKeys.definition(Path.of("data/monitoring"), Duration.ofSeconds(1), Duration.ofSeconds(5)))
                .define(MODEL_STORE, ConfigType.PATH, "data/models",
                        "Model store root; reference statistics are read from <root>/<name>/<version>/model.json when present")
                .define(REPLICATION_FACTOR, ConfigType.INT, 1, Validator.between(1, 16),
                        "Replication factor of the topics this service creates when they are missing");
    }

    /** The topology settings held in a service config (validated: errors name the key and quote the value). */
    public static MonitoringConfig monitoringConfig(Config config) {
        return MonitoringConfig.from(config);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() throws Exception {
        String bootstrap = config.getString(PlatformConfig.BOOTSTRAP_SERVERS);
        int inputPartitions;
        try (Admin admin = PlatformConfig.kafkaClients(config).admin(NAME + "-topics")) {
            // Kafka Streams stops with MissingSourceTopicException if a source topic does not exist yet.
            TopicCreator.createMissing(admin, topics, (short) config.getInt(REPLICATION_FACTOR));
            String predictions = topics.predictions().name();
            inputPartitions = admin.describeTopics(List.of(predictions)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(predictions).partitions().size();
        }
        StreamsBuilder builder = new StreamsBuilder();
        Path store = config.getPath(MODEL_STORE);
        MonitoringTopology.createMonitoringTopology(builder, monitoring, topics,
                new ModelStoreReferenceLookup(store, monitoring), new MonitoringMetrics(registry), inputPartitions);

        Properties props = streamsProperties(config, topics);
        StreamsDeadLetters.install(props, topics.deadletter().name(), ImageMeasurement.STAGE, registry);
        streams = new KafkaStreams(builder.build(), props);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("monitoring: stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        // tagged like every other service's Kafka client meters (platform KafkaClientMeters: stage = service name):
        // Prometheus needs one tag key set per metric name, and the demo serves all services from one registry
        streamsMetrics = new KafkaStreamsMetrics(streams, Tags.of("stage", NAME));
        streamsMetrics.bindTo(registry);
        streams.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state().hasCompletedShutdown() || streams.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("monitoring: Kafka Streams stopped while starting (" + streams.state() + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("monitoring: Kafka Streams not running after 60 s (" + streams.state() + ")");
            }
            Thread.sleep(50);
        }
        LOG.info("monitoring: running on {} (windows {} hop {}, reference {} windows or model.json under {})",
                bootstrap, monitoring.windowSize(), monitoring.windowHop(), monitoring.referenceWindows(), store);
    }

    /** The Kafka Streams settings of the service (public for tests that run the topology with them). */
    public static Properties streamsProperties(Config config, TopicCatalog topics) {
        // Images and predictions are joined by image id: streams.max.task.idle (5 s by default) waits for the slower
        // of the two topics, so the task processes both in event-time order instead of racing ahead on predictions,
        // which makes the joined input statistics late for their windows (seen at 2 s on a loaded machine).
        // Predictions are produced transactionally by the inference worker: StreamsKeys reads only committed ones.
        Properties props = StreamsKeys.properties(config, applicationId(topics));
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.getInt(REPLICATION_FACTOR));
        // A malformed event, or one a processor fails on, is dead-lettered and skipped: monitoring must not stop on
        // it, nor read it again and again (its stream thread replaced after each failure)
        StreamsDeadLetters.install(props, topics.deadletter().name(), ImageMeasurement.STAGE, null);
        return props;
    }

    /** The Streams application id: one per topic prefix, so that test runs and deployments do not share state. */
    public static String applicationId(TopicCatalog topics) {
        String prefix = topics.prefix().replaceAll("[^a-zA-Z0-9._-]", "-");
        return prefix + MonitoringTopology.APPLICATION_ID;
    }

    /** The topology settings this service runs with. */
    public MonitoringConfig settings() {
        return monitoring;
    }

    /** Running or rebalancing: a rebalance is part of running, not a failure. */
    @Override
    public boolean isRunning() {
        return streams != null && streams.state().isRunningOrRebalancing();
    }

    @Override
    public void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
            streamsMetrics = null;
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
    }
}
