package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two deployments with different topic prefixes on one broker, configured alike otherwise, do not interfere. */
@ExtendWith(KafkaBrokerExtension.class)
class TwoDeploymentsKafkaTest {

    @TempDir
    Path dir;

    /** A worker configured as a deployment would be: only the prefix differs, the worker id is the same. */
    private InferenceWorker deployment(KafkaTestContext kafka, TopicCatalog catalog, Path model) throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        values.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
        values.put(InferenceConfig.MODEL, model.toString());
        values.put(InferenceConfig.WORKER_ID, "worker-0");
        values.put(InferenceConfig.DEVICE, "cpu");
        values.put(InferenceConfig.INTRA_OP_THREADS, 1);
        values.put(InferenceConfig.MAX_WAIT_MS, 5L);
        values.put(InferenceConfig.FOLLOW_MODELS, false);
        InferenceWorker w = new InferenceWorker(InferenceConfig.parse(values), catalog,
                MetricsServer.newRegistry("inference-worker"));
        w.start();
        return w;
    }

    @Test
    void shouldPredictEachDeploymentsImagesWithoutFencingTheOther(KafkaTestContext kafka) throws Exception {
        // Given two deployments ("a." and "b." under this test's prefix) with the same worker id on one broker
        TopicCatalog a = new TopicCatalog(kafka.topicPrefix() + "a.", 1);
        TopicCatalog b = new TopicCatalog(kafka.topicPrefix() + "b.", 1);
        kafka.broker().createTopics(a);
        kafka.broker().createTopics(b);
        Path model = BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir);
        try (InferenceWorker first = deployment(kafka, a, model); InferenceWorker second = deployment(kafka, b, model)) {
            // their groups and transactional ids differ (before, both were glimpse-inference[-worker-0])
            assertNotEquals(first.config().groupId(), second.config().groupId());
            assertNotEquals(first.config().transactionalId(), second.config().transactionalId());

            // When each deployment receives its own 20 images
            List<ImageEvent> imagesA = TestImages.events("a-", 20);
            List<ImageEvent> imagesB = TestImages.events("b-", 20);
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("two-deployments")) {
                for (int i = 0; i < 20; i++) {
                    send(producer, a.images().name(), imagesA.get(i));
                    send(producer, b.images().name(), imagesB.get(i));
                }
                producer.flush();
            }

            // Then each predicts exactly its own images, and both keep running (no producer fenced the other)
            List<ConsumerRecord<String, Prediction>> predictedA = kafka.consume(a.predictions(), 20, Duration.ofSeconds(60));
            List<ConsumerRecord<String, Prediction>> predictedB = kafka.consume(b.predictions(), 20, Duration.ofSeconds(60));
            assertEquals(ids(imagesA), predictedA.stream().map(r -> r.value().getImageId()).collect(Collectors.toSet()));
            assertEquals(ids(imagesB), predictedB.stream().map(r -> r.value().getImageId()).collect(Collectors.toSet()));
            assertTrue(first.isRunning(), "deployment a stopped: " + first.failure());
            assertTrue(second.isRunning(), "deployment b stopped: " + second.failure());
        }
    }

    private static Set<String> ids(List<ImageEvent> events) {
        return events.stream().map(ImageEvent::getImageId).collect(Collectors.toSet());
    }

    private static void send(Producer<byte[], byte[]> producer, String topic, ImageEvent e) {
        producer.send(new ProducerRecord<>(topic, e.getImageId().getBytes(StandardCharsets.UTF_8), e.toByteArray()));
    }
}
