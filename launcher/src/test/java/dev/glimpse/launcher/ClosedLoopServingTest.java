package dev.glimpse.launcher;

import static dev.glimpse.launcher.FeedbackReplay.awaitPromotion;
import static dev.glimpse.launcher.FeedbackReplay.onePerImage;
import static dev.glimpse.launcher.FeedbackReplay.probeUntilServing;
import static dev.glimpse.launcher.FeedbackReplay.replay;
import static dev.glimpse.launcher.FeedbackReplay.versionNumber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.demo.BenchImages;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.trainingservice.TrainingService;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The closed loop with the real services on the embedded broker: the shipped model that knows only Fashion-MNIST
 * classes 0-4 serves a labeled stream of all ten through the {@link InferenceWorker}; the {@link TrainingService}
 * joins the labels with the images, fine-tunes, validates and announces; the worker hot-swaps; live accuracy rises
 * and every image gets exactly one committed prediction naming the version that answered it.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ClosedLoopServingTest {
    /** The weak start model of {@code ./glimpse demo --feedback} (models/README.md); tests run in launcher/. */
    private static final Path FIRST_FIVE = Path.of("..", "models", "fashion-mnist-first-five", "model.onnx");
    private static final int FEEDBACK = 4000;
    private static final int AFTER = 1200;
    private static final int PROBES_FROM = 9000;

    @TempDir
    Path dir;

    @Test
    void shouldRaiseLiveAccuracyOfTheServingWorkerByFineTuningOnFeedback(KafkaTestContext kafka) throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "needs Fashion-MNIST (Debian package dataset-fashion-mnist)");
        assertTrue(Files.isRegularFile(FIRST_FIVE), "shipped model missing: " + FIRST_FIVE.toAbsolutePath());
        TopicCatalog catalog = kafka.catalog();
        // Fashion-MNIST's test images as the bench replays them: event i is test image i, id "loop-<i>", labeled
        List<ImageEvent> test = BenchImages.events("fashion-mnist", PROBES_FROM + 100, "loop-");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        // Given the training service (bootstraps the start model as v1, retrains after 3,400 labeled examples)
        // and a worker following the model it promotes
        try (TrainingService training = new TrainingService(trainingConfig(kafka, catalog), registry);
             InferenceWorker worker = new InferenceWorker(InferenceConfig.builder()
                     .bootstrapServers(kafka.bootstrapServers()).groupId(kafka.groupId("inference")).workerId("loop-0")
                     .model(FIRST_FIVE).device(ExecutionDevice.parse("cpu")).modelName("fashion").build(),
                     catalog, registry);
             Producer<byte[], byte[]> producer = kafka.clients().producer("loop-replay")) {
            training.start();
            worker.start();
            assertTrue(worker.awaitAssignment(Duration.ofSeconds(30)), "the worker got its partitions");

            // When 4,000 labeled images stream (the feedback), the worker swaps to the fine-tuned version,
            // then 1,200 images no model has seen stream
            replay(producer, catalog, test, 0, FEEDBACK);
            String promoted = awaitPromotion(training);
            assertNotEquals("vnone", promoted, "training outcomes: " + training.outcomes());
            int probes = probeUntilServing(worker, promoted, producer, catalog, test, PROBES_FROM);
            assertEquals(promoted, "v" + versionNumber(worker.servingVersion()), "the worker swapped");
            replay(producer, catalog, test, FEEDBACK, FEEDBACK + AFTER);

            // Then every image has exactly one committed prediction, and accuracy rose from <= 0.5 to >= 0.8
            List<ConsumerRecord<String, Prediction>> records = kafka.consume(catalog.predictions(), FEEDBACK + AFTER + probes,
                    Duration.ofSeconds(120));
            Map<String, Prediction> byImage = onePerImage(records);
            Map<Integer, String> lastVersionByPartition = new HashMap<>();
            Map<String, long[]> accuracy = new LinkedHashMap<>();
            for (ConsumerRecord<String, Prediction> r : records) {
                Prediction p = r.value();
                String previous = lastVersionByPartition.put(r.partition(), p.getModelVersion());
                assertTrue(previous == null || versionNumber(previous) <= versionNumber(p.getModelVersion()),
                        "swap point is monotonic per partition: " + previous + " then " + p.getModelVersion());
                // the start model answers as "1" (its metadata) until the store's announcement of it as v1 is staged
                long[] acc = accuracy.computeIfAbsent("v" + versionNumber(p.getModelVersion()), v -> new long[2]);
                acc[0] += p.getTopK(0).getClassIndex() == p.getLabel() ? 1 : 0;
                acc[1]++;
            }
            assertEquals(FEEDBACK + AFTER + probes, byImage.size(), "no event lost");
            long[] unseen = new long[2];
            for (int i = FEEDBACK; i < FEEDBACK + AFTER; i++) {
                Prediction p = byImage.get("loop-" + i);
                assertEquals(promoted, "v" + versionNumber(p.getModelVersion()), "images sent after the swap are answered by " + promoted);
                unseen[0] += p.getTopK(0).getClassIndex() == test.get(i).getLabel() ? 1 : 0;
                unseen[1]++;
            }
            double before = (double) accuracy.get("v1")[0] / accuracy.get("v1")[1];
            double after = (double) unseen[0] / unseen[1];
            System.out.printf("closed loop with the inference worker: v1 accuracy %.4f on %d events, %s accuracy %.4f on "
                    + "%d unseen events; training %s%n", before, accuracy.get("v1")[1], promoted, after, unseen[1],
                    training.outcomes());
            assertTrue(before <= 0.5, "v1 knows half the classes: " + before);
            assertTrue(after >= 0.8, "after fine-tuning on feedback: " + after);
        }
    }

    private TrainingServiceConfig trainingConfig(KafkaTestContext kafka, TopicCatalog catalog) {
        Map<String, Object> raw = new HashMap<>();
        raw.put("bootstrap.servers", kafka.bootstrapServers());
        raw.put("topics.prefix", catalog.prefix());
        raw.put(TrainingServiceConfig.STORE_DIR, dir.resolve("store").toString());
        raw.put(TrainingServiceConfig.STATE_DIR, dir.resolve("streams").toString());
        raw.put(TrainingServiceConfig.APPLICATION_ID, kafka.groupId("training"));
        raw.put(TrainingServiceConfig.BOOTSTRAP_MODEL, FIRST_FIVE.toString());
        raw.put(TrainingServiceConfig.EVERY_EXAMPLES, "3400");
        raw.put(TrainingServiceConfig.MIN_TRAIN, "2500");
        raw.put(TrainingServiceConfig.EPOCHS, "15");
        raw.put(TrainingServiceConfig.LR, "0.002");
        raw.put(TrainingServiceConfig.UNFREEZE_LAST, "2");
        raw.put(TrainingServiceConfig.BACKBONE_LR_SCALE, "0.3");
        raw.put(TrainingServiceConfig.MARGIN, "0.02");
        raw.put(TrainingServiceConfig.MAX_CLASS_DROP, "0.3");
        raw.put(TrainingServiceConfig.HTTP_PORT, "-1");
        return TrainingServiceConfig.parse(raw);
    }
}
