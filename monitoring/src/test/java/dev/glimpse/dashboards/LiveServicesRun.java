package dev.glimpse.dashboards;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.trainingservice.TrainingService;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A short run of every service of the demo (ingest replaying the shapes dataset with label feedback, an inference
 * worker, the explain worker, the training service and monitoring) on one embedded broker, all registering in one
 * Prometheus registry as in {@code ./glimpse demo}. The registry is scraped while the services still run, after
 * images were classified and explained, a model was retrained, monitoring windows closed and a bad upload was
 * dead-lettered. Run once per test JVM; its scrape is shared by the tests that need it.
 */
final class LiveServicesRun {

    static final int IMAGES = 400;
    private static String scrape;
    private static String summary;

    private LiveServicesRun() {
    }

    /** The Prometheus text of the run (runs it on first use). */
    static synchronized String scrape(EmbeddedKafkaBroker broker) throws Exception {
        if (scrape == null) {
            run(broker);
        }
        return scrape;
    }

    /** What the run achieved, for the test report. */
    static synchronized String summary() {
        return summary;
    }

    private static void run(EmbeddedKafkaBroker broker) throws Exception {
        Path root = DashboardMetricsTest.ROOT;
        Path model = root.resolve("models/shapes/model.onnx");
        Path data = Files.createTempDirectory("glimpse-live-services");
        TopicCatalog topics = new TopicCatalog("live" + Long.toHexString(System.nanoTime() & 0xffffff) + ".",
                TopicCatalog.DEFAULT_PARTITIONS);
        broker.createTopics(topics);
        String bootstrap = broker.bootstrapServers();
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("demo");
        String modelName = "shapes-live";

        List<GlimpseService> services = new ArrayList<>();
        services.add(monitoring(bootstrap, topics, data, registry));
        services.add(ExplainWorker.forModel(bootstrap, topics, model, data.resolve("artifacts"), registry,
                "sample:0.2", null));
        services.add(new TrainingService(training(bootstrap, topics, data, model, modelName), registry));
        services.add(new InferenceWorker(InferenceConfig.builder().bootstrapServers(bootstrap).workerId("live-inference-0")
                .model(model).device("cpu").modelName(modelName).build(), topics, registry));
        IngestService ingest = new IngestService(ingest(bootstrap, topics), registry);
        services.add(ingest);
        List<GlimpseService> started = new ArrayList<>();
        try {
            for (GlimpseService s : services) {
                s.start();
                started.add(s);
            }
            // one upload that is not an image: the dead-letter series
            URI upload = ingest.httpUri().orElseThrow().resolve("/v1/images");
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(upload)
                    .header("Authorization", "Bearer live-services-run-token")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3, 4})).build(),
                    HttpResponse.BodyHandlers.discarding());

            Map<String, Double> goals = new LinkedHashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                goals.put("predictions", sum(registry, "glimpse.inference.events"));
                goals.put("explanations", sum(registry, "glimpse.explanations"));
                goals.put("training runs", sum(registry, "glimpse.training.runs"));
                goals.put("monitoring windows", sum(registry, "glimpse.monitoring.windows"));
                goals.put("candidates judged", (double) registry.find("glimpse.holdout.accuracy").gauges().size());
                if (goals.get("predictions") >= IMAGES && goals.get("explanations") > 0 && goals.get("training runs") > 0
                        && goals.get("monitoring windows") >= 3 && goals.get("candidates judged") > 0) {
                    break;
                }
                Thread.sleep(500);
            }
            scrape = registry.scrape();
            summary = "live run of all services: " + goals;
        } finally {
            Collections.reverse(started);
            for (GlimpseService s : started) {
                try {
                    s.close();
                } catch (Exception e) {
                    // the scrape is taken; a service failing to stop does not change what it exported
                }
            }
            registry.close();
        }
    }

    private static double sum(PrometheusMeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum()
                + registry.find(name).functionCounters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static MonitoringService monitoring(String bootstrap, TopicCatalog topics, Path data,
                                                PrometheusMeterRegistry registry) {
        Map<String, Object> values = new HashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrap);
        values.put(PlatformConfig.TOPIC_PREFIX, topics.prefix());
        values.put(PlatformConfig.METRICS_PORT, -1);
        values.put(MonitoringConfig.WINDOW_SIZE_MS, "1000");
        values.put(MonitoringConfig.WINDOW_HOP_MS, "1000");
        values.put(MonitoringConfig.WINDOW_GRACE_MS, "200");
        values.put(MonitoringConfig.SOURCE_IDLE_MS, "2000");
        values.put(MonitoringConfig.REFERENCE_WINDOWS, "1");
        values.put(MonitoringConfig.MIN_WINDOW_EVENTS, "5");
        values.put(MonitoringService.STATE_DIR, data.resolve("monitoring").toString());
        values.put(MonitoringService.MODEL_STORE, data.resolve("models").toString());
        return new MonitoringService(MonitoringService.definition().parse(values), registry);
    }

    private static TrainingServiceConfig training(String bootstrap, TopicCatalog topics, Path data, Path model,
                                                  String modelName) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrap);
        values.put(PlatformConfig.TOPIC_PREFIX, topics.prefix());
        values.put(PlatformConfig.METRICS_PORT, -1);
        values.put(TrainingServiceConfig.MODEL_NAME, modelName);
        values.put(TrainingServiceConfig.STORE_DIR, data.resolve("models").toString());
        values.put(TrainingServiceConfig.STATE_DIR, data.resolve("training-streams").toString());
        values.put(TrainingServiceConfig.BOOTSTRAP_MODEL, model.toString());
        values.put(TrainingServiceConfig.HTTP_PORT, -1);
        values.put(TrainingServiceConfig.EVERY_EXAMPLES, 100L);
        values.put(TrainingServiceConfig.MIN_TRAIN, 60);
        values.put(TrainingServiceConfig.EPOCHS, 1);
        values.put(TrainingServiceConfig.MIN_HOLDOUT, 10); // so that a candidate is judged (holdout accuracy, transitions)
        return TrainingServiceConfig.parse(values);
    }

    private static IngestConfig ingest(String bootstrap, TopicCatalog topics) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrap);
        values.put(PlatformConfig.TOPIC_PREFIX, topics.prefix());
        values.put(PlatformConfig.METRICS_PORT, -1);
        values.put(IngestConfig.HTTP_PORT, 0);
        values.put(BearerAuth.TOKEN, "live-services-run-token");
        values.put(IngestConfig.DATASET, "shapes");
        values.put(IngestConfig.RATE, 100.0);
        values.put(IngestConfig.FEEDBACK_FRACTION, 0.6);
        values.put(IngestConfig.LIMIT, (long) IMAGES);
        return IngestConfig.parse(values);
    }

    /** Metric names of the scrape (as {@link ScrapedNames} reads them). */
    static Set<String> names(EmbeddedKafkaBroker broker) throws Exception {
        return ScrapedNames.of(scrape(broker));
    }
}
