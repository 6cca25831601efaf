package dev.glimpse.launcher.demo;

import dev.glimpse.console.ConsoleConfig;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.trainingservice.TrainingService;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services {@code ./glimpse demo} runs in one JVM, in start order (they are closed in reverse): consumers
 * first, so they are ready when the dataset replay (a source) begins. To add a service (explain-worker, console,
 * monitoring, training-service), add one line to {@link #ALL} building it from the {@link DemoContext}.
 */
public final class DemoServices {

    /** Builds one service of the demo. */
    @FunctionalInterface
    public interface Factory {
        List<GlimpseService> create(DemoContext context) throws Exception;
    }

    public static final List<Factory> ALL = List.of(
            c -> List.of(MonitoringService.forDemo(c.bootstrapServers(), c.catalog(), c.dataDir(), c.registry(),
                    replicationFactor(c))),
            DemoServices::explainServices,
            DemoServices::trainingServices,
            DemoServices::inferenceWorkers,
            c -> List.of(ingestService(c)));

    private DemoServices() {
    }

    /**
     * Replicas of the topics the services create themselves (Kafka Streams state): min(3, nodes), the demo's
     * bootstrap list naming every node of its embedded cluster.
     */
    static int replicationFactor(DemoContext c) {
        return Math.min(3, c.bootstrapServers().split(",").length);
    }

    /** Every service of the demo, not started. */
    public static List<GlimpseService> create(DemoContext context) throws Exception {
        List<GlimpseService> services = new ArrayList<>();
        for (Factory f : ALL) {
            services.addAll(f.create(context));
        }
        return services;
    }

    static List<GlimpseService> explainServices(DemoContext c) {
        if (c.explainPolicy().equals("off")) {
            return List.of();
        }
        ExplainWorker worker = ExplainWorker.forModel(c.bootstrapServers(), c.catalog(), c.model(),
                c.dataDir().resolve("artifacts"), c.registry(), c.explainPolicy(), c.device().toString(), c.storeSettings());
        if (c.httpPort() < 0) {
            return List.of(worker);
        }
        // the console after the worker: it reads the worker's artifact store and asks it for on-demand explanations
        ConsoleConfig console = ConsoleConfig.defaults(c.bootstrapServers(), c.catalog(), c.httpPort(), c.model())
                .withAuth(auth(c)).withLabelClasses(datasetClasses(c));
        return List.of(worker, new ConsoleServer(console, worker.artifactStore(), worker, c.registry()));
    }

    /**
     * Who may use the write endpoints of the demo's ingest and console: the holder of {@code <data-dir>/token}, or
     * anyone with {@code --no-auth} (the demo itself has warned once for both, so no further WARN line here).
     */
    static BearerAuth auth(DemoContext c) {
        return c.auth() ? BearerAuth.of(BearerAuth.readTokenFile(BearerAuth.TOKEN_FILE, tokenFile(c)), null, false)
                : BearerAuth.off();
    }

    static IngestService ingestService(DemoContext c) {
        return new IngestService(ingestConfig(c), c.registry()).withAuth(auth(c));
    }

    /** The demo's write token ({@code <data-dir>/token}, made by {@code ./glimpse demo} before the services start). */
    public static Path tokenFile(DemoContext c) {
        return c.dataDir().resolve("token");
    }

    static List<GlimpseService> inferenceWorkers(DemoContext c) {
        List<GlimpseService> workers = new ArrayList<>();
        for (int i = 0; i < c.inferenceWorkers(); i++) {
            // stable ids: a demo restarted on the same data directory fences its predecessor's open transactions
            workers.add(new InferenceWorker(InferenceConfig.builder().bootstrapServers(c.bootstrapServers())
                    .groupId(InferenceConfig.defaultGroupId(c.catalog().prefix())).workerId("demo-inference-" + i).model(c.model()).device(c.device())
                    .modelName(DemoContext.MODEL_NAME).store(c.storeSettings()).build(),
                    c.catalog(), c.registry()));
        }
        return workers;
    }

    /**
     * With feedback: the training service, started before the workers so that the start model is stored and
     * PROMOTED as v1 first (the workers then serve and follow it by store version).
     */
    /** Labeled examples between two training runs in the demo. */
    public static final int DEMO_RETRAIN_EVERY = 500;

    static List<GlimpseService> trainingServices(DemoContext c) {
        if (c.feedback() <= 0) {
            return List.of();
        }
        return List.of(new TrainingService(trainingConfig(c), c.registry()));
    }

    static TrainingServiceConfig trainingConfig(DemoContext c) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, c.bootstrapServers());
        values.put(PlatformConfig.TOPIC_PREFIX, c.catalog().prefix());
        values.put(PlatformConfig.METRICS_PORT, -1);
        values.put(TrainingServiceConfig.MODEL_NAME, DemoContext.MODEL_NAME);
        values.put(TrainingServiceConfig.STORE_DIR, c.dataDir().resolve("models").toString());
        values.put(TrainingServiceConfig.STATE_DIR, c.dataDir().resolve("training-streams").toString());
        values.put(StreamsKeys.INSTANCE_ID, "demo-training"); // a restart rejoins at once (see MonitoringService.forDemo)
        values.put(TrainingServiceConfig.BOOTSTRAP_MODEL, c.model().toString());
        values.put(TrainingServiceConfig.HTTP_PORT, -1);
        values.putAll(c.store()); // versions are published to the bucket too, when there is one
        if (!c.dataset().equals("fashion-mnist")) { // the labels the replay sends index the dataset's classes
            values.put(TrainingServiceConfig.CLASSES, String.join(",", DatasetReplay.open(c.dataset(), "test").classNames()));
            // a start model trained outside on part of the classes holds their logits far down: 0.002 cannot lift them
            values.put(TrainingServiceConfig.LR, 0.01);
        }
        // a bounded demo retrains a few times over its labels (every 500 of them, from 300 training examples on),
        // with the recipe of the training service's closed-loop test: the last two layers, a dozen epochs
        values.put(TrainingServiceConfig.EVERY_EXAMPLES, (long) DEMO_RETRAIN_EVERY);
        values.put(TrainingServiceConfig.MIN_TRAIN, 300);
        values.put(TrainingServiceConfig.EPOCHS, 12);
        values.put(TrainingServiceConfig.LR, 0.002);
        values.put(TrainingServiceConfig.UNFREEZE_LAST, 2);
        values.put(TrainingServiceConfig.BACKBONE_LR_SCALE, 0.3);
        values.put(TrainingServiceConfig.MAX_CLASS_DROP, 0.3);
        return TrainingServiceConfig.parse(values);
    }

    static IngestConfig ingestConfig(DemoContext c) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, c.bootstrapServers());
        values.put(PlatformConfig.TOPIC_PREFIX, c.catalog().prefix());
        values.put(PlatformConfig.METRICS_PORT, -1); // the demo serves one /metrics for all services
        values.put(IngestConfig.HTTP_PORT, c.ingestPort());
        if (c.httpPort() > 0) { // the results API's artifact URLs point at the demo's console, wherever it listens
            values.put(IngestConfig.ARTIFACTS_URL, "http://127.0.0.1:" + c.httpPort());
        }
        if (c.auth()) {
            values.put(BearerAuth.TOKEN_FILE, tokenFile(c).toString());
        } else {
            values.put(BearerAuth.ENABLED, false);
        }
        values.put(IngestConfig.NUM_CLASSES, datasetClasses(c));
        values.put(StreamsKeys.STATE_DIR, c.dataDir().resolve("ingest-results").toString());
        values.put(IngestConfig.DATASET, c.dataset());
        values.put(IngestConfig.RATE, c.rate());
        values.put(IngestConfig.FEEDBACK_FRACTION, c.feedback());
        // without --events the replay wraps around the test split until Ctrl-C
        values.put(IngestConfig.LIMIT, c.events() > 0 ? c.events() : Long.MAX_VALUE / 2);
        return IngestConfig.parse(values);
    }

    /**
     * The classes labels may name in the demo, at ingest and in the console: those of the replayed dataset (the
     * feedback demo teaches a model with fewer classes the rest).
     */
    static int datasetClasses(DemoContext c) {
        return DatasetReplay.open(c.dataset(), "test").classNames().size();
    }
}
