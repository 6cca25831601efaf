package dev.glimpse.launcher.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.MonitoringMetrics;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.trainingservice.TrainingService;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile records written straight to the topics (bypassing ingest): a real 46000×46000 PNG decompression bomb and
 * random bytes on {@code images}, random bytes on {@code labels} and {@code predictions}. Every consumer stage —
 * inference worker, explain worker, training service, monitoring — dead-letters them with a reason, none runs out
 * of memory or stops, the good images sent before and after are all predicted and monitoring windows keep closing.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HostileTopicInputTest {

    /** A 28×28 gray model with its preprocessing contract (models/README.md); tests run in launcher/. */
    private static final Path MODEL = Path.of("..", "models", "fashion-mnist-first-five", "model.onnx");
    private static final int GOOD_BEFORE = 6;
    private static final int GOOD_AFTER = 6;

    @TempDir
    Path dir;

    @Test
    void shouldDeadLetterBombsAndGarbageFromEveryStageAndProcessEveryGoodEventAroundThem(KafkaTestContext kafka) throws Exception {
        assertTrue(Files.isRegularFile(MODEL), "shipped model missing: " + MODEL.toAbsolutePath());
        TopicCatalog catalog = kafka.catalog();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        byte[] bomb = DecompressionBomb.png(46_000, 46_000);
        assertTrue(bomb.length < 4 << 20, "a bomb is small: " + bomb.length + " bytes");
        Random random = new Random(15);

        // Given the four consumer stages on the broker
        try (InferenceWorker inference = new InferenceWorker(InferenceConfig.builder()
                     .bootstrapServers(kafka.bootstrapServers()).groupId(kafka.groupId("inference")).workerId("hostile-0")
                     .model(MODEL).device(ExecutionDevice.CPU).followModels(false).build(), catalog, registry);
             ExplainWorker explain = ExplainWorker.forModel(kafka.bootstrapServers(), catalog, MODEL,
                     dir.resolve("artifacts"), registry, "all", "cpu");
             TrainingService training = new TrainingService(trainingConfig(kafka, catalog), registry);
             MonitoringService monitoring = new MonitoringService(monitoringConfig(kafka, catalog), registry);
             Producer<byte[], byte[]> raw = kafka.clients().producer("hostile-raw")) {
            inference.start();
            explain.start();
            training.start();
            monitoring.start();
            assertTrue(inference.awaitAssignment(Duration.ofSeconds(60)), "the worker got its partitions");

            // When good images are sent, the first windows close
            for (int i = 0; i < GOOD_BEFORE; i++) {
                kafka.produce(catalog.images(), "good-" + i, image("good-" + i, i));
            }
            awaitPredictions(kafka, catalog, GOOD_BEFORE);
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> windows(registry) >= 1);

            Prediction real = kafka.readAll(catalog.predictions()).get(0).value();

            // then a bomb and garbage go straight to the topics, with a prediction naming the bomb (so that the
            // explain worker has to fetch and decode it), then more good images
            kafka.produce(catalog.images(), "bomb", ImageEvent.newBuilder().setImageId("bomb")
                    .setData(ByteString.copyFrom(bomb)).setContentType("image/png").setLabel(-1).build());
            for (String topic : List.of(catalog.images().name(), catalog.labels().name(), catalog.predictions().name())) {
                byte[] garbage = new byte[2048];
                random.nextBytes(garbage);
                raw.send(new ProducerRecord<>(topic, ("garbage-" + topic).getBytes(), garbage)).get();
            }
            kafka.produce(catalog.predictions(), "bomb", real.toBuilder().setImageId("bomb").build());
            double windowsBeforeBad = windows(registry);
            for (int i = GOOD_BEFORE; i < GOOD_BEFORE + GOOD_AFTER; i++) {
                kafka.produce(catalog.images(), "good-" + i, image("good-" + i, i));
            }

            // Then every stage dead-letters the bomb as too-many-pixels and the garbage as malformed-event
            Set<String> expected = Set.of(
                    "inference too-many-pixels bomb", "training too-many-pixels bomb",
                    "monitoring too-many-pixels bomb", "explain too-many-pixels bomb",
                    "inference malformed-event images", "training malformed-event images", "monitoring malformed-event images",
                    "training malformed-event labels", "monitoring malformed-event labels",
                    "explain malformed-event predictions", "monitoring malformed-event predictions");
            Set<String> seen = new HashSet<>();
            Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                seen.clear();
                for (ConsumerRecord<String, DeadLetter> r : kafka.readAll(catalog.deadletter())) {
                    DeadLetter d = r.value();
                    String what = d.getReason().equals("too-many-pixels") ? d.getImageId()
                            : d.getSourceTopic().substring(catalog.prefix().length());
                    seen.add(d.getStage() + " " + d.getReason() + " " + what);
                }
                return seen.containsAll(expected);
            });
            assertTrue(seen.containsAll(expected), "missing: " + expected.stream().filter(e -> !seen.contains(e)).toList());

            // and every good image before and after the bad records is predicted, exactly once
            List<Prediction> predictions = awaitPredictions(kafka, catalog, GOOD_BEFORE + GOOD_AFTER + 1);
            Map<String, Long> perImage = predictions.stream().collect(Collectors.groupingBy(Prediction::getImageId,
                    Collectors.counting()));
            for (int i = 0; i < GOOD_BEFORE + GOOD_AFTER; i++) {
                assertEquals(1L, perImage.get("good-" + i), "one prediction of good-" + i + ": " + perImage);
            }

            // and monitoring's windows keep closing after the bad records, every service still running
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> windows(registry) > windowsBeforeBad);
            assertTrue(inference.isRunning() && explain.isRunning() && training.isRunning() && monitoring.isRunning(),
                    "every stage still runs");
        }
    }

    /** The predictions on the topic, read leniently: the garbage this test writes there is skipped. */
    private static List<Prediction> awaitPredictions(KafkaTestContext kafka, TopicCatalog catalog, int count) {
        Topic<String, byte[]> raw = new Topic<>(catalog.predictions().name(), Serdes.String(), Serdes.ByteArray(),
                catalog.predictions().partitions(), Map.of());
        List<Prediction> found = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            found.clear();
            for (ConsumerRecord<String, byte[]> r : kafka.readAll(raw)) {
                try {
                    found.add(Prediction.parseFrom(r.value()));
                } catch (InvalidProtocolBufferException garbage) {
                    // written by this test
                }
            }
            return found.size() >= count;
        });
        return found;
    }

    private static double windows(SimpleMeterRegistry registry) {
        return registry.find(MonitoringMetrics.WINDOWS).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A 28×28 gray image with a bright square whose place depends on {@code i}. */
    private static ImageEvent image(String id, int i) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 6; y < 20; y++) {
            for (int x = 6 + i % 4; x < 18 + i % 4; x++) {
                img.getRaster().setSample(x, y, 0, 200);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(out.toByteArray()))
                .setContentType("image/png").setWidth(28).setHeight(28).setChannels(1).setLabel(-1)
                .setIngestedAtMs(System.currentTimeMillis()).build();
    }

    private TrainingServiceConfig trainingConfig(KafkaTestContext kafka, TopicCatalog catalog) {
        Map<String, Object> raw = new HashMap<>();
        raw.put(PlatformConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        raw.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
        raw.put(PlatformConfig.METRICS_PORT, "-1");
        raw.put(TrainingServiceConfig.STORE_DIR, dir.resolve("store").toString());
        raw.put(TrainingServiceConfig.STATE_DIR, dir.resolve("training-streams").toString());
        raw.put(TrainingServiceConfig.APPLICATION_ID, kafka.groupId("training"));
        raw.put(TrainingServiceConfig.BOOTSTRAP_MODEL, MODEL.toString());
        raw.put(TrainingServiceConfig.HTTP_PORT, "-1");
        return TrainingServiceConfig.parse(raw);
    }

    private dev.glimpse.platform.config.Config monitoringConfig(KafkaTestContext kafka, TopicCatalog catalog) {
        Map<String, Object> raw = new HashMap<>();
        raw.put(PlatformConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        raw.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
        raw.put(PlatformConfig.METRICS_PORT, "-1");
        raw.put(MonitoringConfig.WINDOW_SIZE_MS, "2000");
        raw.put(MonitoringConfig.WINDOW_HOP_MS, "2000");
        raw.put(MonitoringConfig.WINDOW_GRACE_MS, "500");
        raw.put(MonitoringConfig.SOURCE_IDLE_MS, "1000");
        raw.put(StreamsKeys.STATE_DIR, dir.resolve("monitoring").toString());
        raw.put(StreamsKeys.MAX_TASK_IDLE, "500");
        raw.put(MonitoringService.MODEL_STORE, dir.resolve("store").toString());
        return MonitoringService.definition().parse(raw);
    }
}
