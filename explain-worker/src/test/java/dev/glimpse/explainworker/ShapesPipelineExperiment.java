package dev.glimpse.explainworker;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dev-time rehearsal of {@code ./glimpse demo --events N --dataset shapes} with the explain services added the
 * way the demo adds them (not part of the build: no *Test suffix). Needs a trained shapes model:
 * {@code mvn -o -pl explain-worker test -Dtest=ShapesPipelineExperiment -Dsurefire.failIfNoSpecifiedTests=false
 * -Dshapes.model=/path/model.onnx [-Dshapes.events=300]}.
 */
class ShapesPipelineExperiment {

    @Test
    void rehearseTheShapesDemoWithExplanations() throws Exception {
        Path model = Path.of(System.getProperty("shapes.model", "target/shapes-experiment/shapes-small.onnx"));
        long events = Long.getLong("shapes.events", 300);
        Path dir = Files.createTempDirectory("glimpse-pipeline-experiment");
        TopicCatalog catalog = TopicCatalog.defaults();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kafka")).preferredPort(0)
                .topics(catalog).start()) {
            PrometheusMeterRegistry registry = MetricsServer.newRegistry("demo");
            long t0 = System.nanoTime();
            // the line the demo adds:
            ExplainWorker explain = ExplainWorker.forModel(broker.bootstrapServers(), catalog, model, dir.resolve("artifacts"),
                    registry, "all", null);
            InferenceWorker inference = new InferenceWorker(InferenceConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .workerId("demo-inference-0").model(model).device("cpu").build(), catalog, registry);
            Map<String, Object> values = new LinkedHashMap<>();
            values.put(PlatformConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            values.put(PlatformConfig.METRICS_PORT, -1);
            values.put(IngestConfig.HTTP_PORT, -1);
            values.put(IngestConfig.DATASET, "shapes");
            values.put(IngestConfig.RATE, 200.0);
            values.put(IngestConfig.LIMIT, events);
            IngestService ingest = new IngestService(IngestConfig.parse(values), registry);
            try {
                explain.start();
                inference.start();
                inference.awaitAssignment(Duration.ofSeconds(30));
                ingest.start();
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (inference.predictions() + inference.deadLetters() < events && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                }
                double inferSeconds = (System.nanoTime() - t0) / 1e9;
                boolean idle = explain.awaitIdle(Duration.ofMinutes(10));
                double totalSeconds = (System.nanoTime() - t0) / 1e9;
                ExplainSummary s = explain.summary();
                System.out.printf("predictions %d (%.1f s); explain worker idle=%s after %.1f s%n", inference.predictions(),
                        inferSeconds, idle, totalSeconds);
                System.out.println(s.line());
                System.out.println("artifacts on disk: " + explain.artifactStore().count() + " files, "
                        + explain.artifactStore().totalBytes() + " bytes under " + explain.artifactStore().root());
            } finally {
                ingest.close();
                inference.close();
                explain.close();
            }
        }
    }
}
