package dev.glimpse.launcher.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.testing.ScramBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline against a broker that only lets SCRAM-authenticated clients in: ingest (directory watch) → inference
 * worker (transactions) → monitoring (Kafka Streams) run with nothing but the {@code kafka.*} keys, and the
 * {@code inference} command with a wrong password exits 2 with one line.
 */
class KafkaSecurityPipelineTest {

    private static final Path MODEL = Path.of("..", "models", "fashion-mnist-first-five", "model.onnx");
    private static final int IMAGES = 5;

    @TempDir
    Path dir;

    @Test
    void shouldRunIngestInferenceAndAStreamsAppOverSaslScramAndRefuseAWrongPasswordInOneLine() throws Exception {
        try (ScramBroker broker = ScramBroker.start(dir.resolve("kafka"), "glimpse", "pipeline-secret")) {
            // Given the topics (created over the broker's own PLAINTEXT listener) and the services' SASL settings
            TopicCatalog catalog = new TopicCatalog("sasl-", 2);
            broker.broker().createTopics(catalog);
            Map<String, Object> keys = new HashMap<>(broker.serviceKeys());
            keys.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
            keys.put(PlatformConfig.METRICS_PORT, "-1");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Path inbox = Files.createDirectories(dir.resolve("inbox"));

            Map<String, Object> ingestKeys = new HashMap<>(keys);
            ingestKeys.put(IngestConfig.HTTP_PORT, "-1");
            ingestKeys.put(IngestConfig.WATCH_DIR, inbox.toString());
            ingestKeys.put(IngestConfig.WATCH_INTERVAL, "100ms");
            Map<String, Object> inferenceKeys = new HashMap<>(keys);
            inferenceKeys.put(InferenceConfig.MODEL, MODEL.toString());
            inferenceKeys.put(InferenceConfig.DEVICE, "cpu");
            inferenceKeys.put(InferenceConfig.FOLLOW_MODELS, "false");
            Map<String, Object> monitoringKeys = new HashMap<>(keys);
            monitoringKeys.put(StreamsKeys.STATE_DIR, dir.resolve("monitoring").toString());
            monitoringKeys.put(MonitoringService.MODEL_STORE, dir.resolve("store").toString());

            try (IngestService ingest = new IngestService(IngestConfig.parse(ingestKeys), registry);
                 InferenceWorker inference = new InferenceWorker(InferenceConfig.parse(inferenceKeys), catalog, registry);
                 MonitoringService monitoring = new MonitoringService(MonitoringService.definition().parse(monitoringKeys),
                         registry)) {
                ingest.start();
                inference.start();
                monitoring.start();
                assertTrue(inference.awaitAssignment(Duration.ofSeconds(60)), "the worker joined its group over SASL");

                // When images arrive in the watched directory
                for (int i = 0; i < IMAGES; i++) {
                    Files.write(inbox.resolve("img-" + i + ".png"), png(i));
                }

                // Then each is predicted (read over PLAINTEXT by the test, written over SASL by the services)
                KafkaClients plain = new KafkaClients(broker.broker().bootstrapServers());
                List<Prediction> predictions = new ArrayList<>();
                try (Consumer<byte[], byte[]> consumer = plain.consumer(null, "sasl-test-reader")) {
                    List<TopicPartition> parts = List.of(new TopicPartition(catalog.predictions().name(), 0),
                            new TopicPartition(catalog.predictions().name(), 1));
                    consumer.assign(parts);
                    consumer.seekToBeginning(parts);
                    Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            predictions.add(catalog.predictions().deserializeValue(r.value()));
                        }
                        return predictions.size() >= IMAGES;
                    });
                }
                assertEquals(IMAGES, predictions.stream().map(Prediction::getImageId).collect(Collectors.toSet()).size());

                // and the Streams application consumed every prediction (its committed offsets reach the end)
                String app = MonitoringService.applicationId(catalog);
                try (Admin admin = broker.broker().admin()) {
                    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(app)
                                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                        for (int p = 0; p < 2; p++) {
                            latest.put(new TopicPartition(catalog.predictions().name(), p), OffsetSpec.latest());
                        }
                        return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                                .allMatch(e -> e.getValue().offset() == 0 || (committed.get(e.getKey()) != null
                                        && committed.get(e.getKey()).offset() >= e.getValue().offset()));
                    });
                }
                assertTrue(monitoring.isRunning(), "the Streams application runs over SASL");
            }

            // And the inference command with a wrong password exits 2 with one line naming the keys, not the password
            PrintStream saved = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit;
            long t0 = System.nanoTime();
            try {
                exit = Glimpse.commandLine().execute("inference", "--bootstrap-servers", broker.bootstrapServers(),
                        "--model", MODEL.toString(), "--device", "cpu", "--metrics-port", "-1",
                        "-c", "kafka.security.protocol=SASL_PLAINTEXT", "-c", "kafka.sasl.mechanism=SCRAM-SHA-256",
                        "-c", "kafka.sasl.username=glimpse", "-c", "kafka.sasl.password=not-the-secret");
            } finally {
                System.setErr(saved);
            }
            String out = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, exit, out);
            assertTrue(System.nanoTime() - t0 < 25_000_000_000L, "fails fast, not after kafka.connect.timeout");
            List<String> ours = out.lines().filter(l -> l.startsWith("inference:")).toList();
            assertEquals(1, ours.size(), out);
            assertTrue(ours.get(0).contains("refused the SASL credentials") && ours.get(0).contains("kafka.sasl.password"),
                    ours.get(0));
            assertFalse(out.contains("not-the-secret"), "the password is never printed");
            assertTrue(out.lines().count() < 10, "no flood of client lines:\n" + out);
        }
    }

    private static byte[] png(int i) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 4 + i; y < 20; y++) {
            for (int x = 5; x < 22; x++) {
                img.getRaster().setSample(x, y, 0, 180);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
