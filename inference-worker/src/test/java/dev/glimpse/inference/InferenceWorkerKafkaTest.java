package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class InferenceWorkerKafkaTest {

    @TempDir
    Path dir;

    private InferenceWorker worker(KafkaTestContext kafka, TopicCatalog catalog, String group, String id,
                                   PrometheusMeterRegistry registry) throws Exception {
        InferenceConfig config = InferenceConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .groupId(group)
                .workerId(id)
                .model(BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir))
                .device("cpu")
                .maxBatchSize(32)
                .maxWait(Duration.ofMillis(5))
                .intraOpThreads(1)
                .build();
        InferenceWorker w = new InferenceWorker(config, catalog, registry);
        w.start();
        return w;
    }

    @Test
    void shouldPredictEveryImageFromHttpAndReplayExactlyOnceWithTwoWorkersWhenOneCrashesMidTransaction(
            KafkaTestContext kafka) throws Exception {
        PipelineScenario.run(kafka.bootstrapServers(), kafka.catalog(), kafka.groupId("inference"), dir);
        // the crashed worker's open transaction had written predictions that read_committed readers never saw
        assertTrue(countUncommitted(kafka, kafka.catalog().predictions().name())
                > PipelineScenario.HTTP_IMAGES + PipelineScenario.REPLAYED_IMAGES, "the crash left aborted predictions");
    }

    @Test
    void shouldDeadLetterBadEventsWithTheirReasonAndKeepPredictingGoodOnes(KafkaTestContext kafka) throws Exception {
        // Given a worker and a topic mixing good images with garbage bytes, empty and undecodable images
        TopicCatalog catalog = kafka.catalog(1);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("inference-worker");
        InferenceWorker w = worker(kafka, catalog, kafka.groupId("inference"), "solo", registry);
        try (Producer<byte[], byte[]> producer = kafka.clients().producer("bad-events")) {
            List<ImageEvent> good = TestImages.events("good-", 20);
            Map<String, String> expectedReasons = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                send(producer, catalog.images().name(), good.get(i).getImageId(), good.get(i).toByteArray());
                switch (i % 5) {
                    case 0 -> {
                        send(producer, catalog.images().name(), "garbage-" + i, new byte[] {(byte) 0xff, 0x13, 0x00, 0x7f, 0x01});
                        expectedReasons.put("garbage-" + i, "malformed-event");
                    }
                    case 1 -> {
                        send(producer, catalog.images().name(), "empty-" + i,
                                TestImages.event("empty-" + i, new byte[0], -1).toByteArray());
                        expectedReasons.put("empty-" + i, "empty");
                    }
                    case 2 -> {
                        send(producer, catalog.images().name(), "text-" + i,
                                TestImages.event("text-" + i, "not an image".getBytes(StandardCharsets.UTF_8), -1).toByteArray());
                        expectedReasons.put("text-" + i, "undecodable");
                    }
                    default -> {
                    }
                }
            }
            producer.flush();

            // When the worker has consumed everything
            List<ConsumerRecord<String, DeadLetter>> letters =
                    kafka.consume(catalog.deadletter(), expectedReasons.size(), Duration.ofSeconds(30));
            List<ConsumerRecord<String, Prediction>> predictions =
                    kafka.consume(catalog.predictions(), 20, Duration.ofSeconds(30));

            // Then each bad event is dead-lettered once with its reason and original bytes, every good one predicted
            Map<String, String> reasons = new HashMap<>();
            letters.forEach(r -> reasons.put(r.value().getImageId(), r.value().getReason()));
            assertEquals(expectedReasons, reasons);
            letters.forEach(r -> {
                assertEquals("inference", r.value().getStage());
                assertEquals(catalog.images().name(), r.value().getSourceTopic());
            });
            assertEquals(new byte[] {(byte) 0xff, 0x13, 0x00, 0x7f, 0x01}.length,
                    letters.stream().filter(r -> r.value().getImageId().equals("garbage-0")).findFirst().orElseThrow()
                            .value().getOriginalValue().size());
            assertEquals(good.stream().map(ImageEvent::getImageId).collect(Collectors.toSet()),
                    predictions.stream().map(r -> r.value().getImageId()).collect(Collectors.toSet()));
            assertEquals(20, predictions.size());
            assertTrue(w.isRunning(), "the worker keeps running after bad events");

            // and the metrics show it
            String scrape = registry.scrape();
            assertTrue(scrape.contains("glimpse_inference_events_total{outcome=\"dead_lettered\""), scrape);
            assertTrue(scrape.contains("glimpse_inference_dead_letters_total{reason=\"malformed-event\""), scrape);
            // and in the one platform counter every stage's dead letters go to
            assertTrue(scrape.contains("glimpse_deadletter_total{reason=\"malformed-event\",service=\"inference-worker\",stage=\"inference\"}"), scrape);
            assertTrue(scrape.contains("glimpse_inference_batch_size_count"), scrape);
            assertTrue(scrape.contains("glimpse_inference_end_to_end_seconds{"), scrape);
            assertTrue(scrape.contains("glimpse_inference_device_info{device=\"cpu\",requested=\"cpu\""), scrape);
            assertTrue(scrape.contains("glimpse_inference_model_info{model=\"fashion-mnist-mlp\""), scrape);
            assertTrue(scrape.contains("glimpse_inference_consumer_lag"), scrape);
        } finally {
            w.close();
        }
    }

    private static void send(Producer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }

    private static void produceSlowly(KafkaTestContext kafka, TopicCatalog catalog, List<ImageEvent> events) {
        try (Producer<byte[], byte[]> producer = kafka.clients().producer("images-" + catalog.prefix())) {
            for (int i = 0; i < events.size(); i++) {
                ImageEvent e = events.get(i).toBuilder().setIngestedAtMs(System.currentTimeMillis()).build();
                send(producer, catalog.images().name(), e.getImageId(), e.toByteArray());
                if (i % 50 == 49) {
                    producer.flush();
                    Thread.sleep(20);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records of a topic as a read_uncommitted reader sees them (aborted transactions included). */
    private static long countUncommitted(KafkaTestContext kafka, String topic) throws ExecutionException, InterruptedException {
        try (Consumer<byte[], byte[]> c = kafka.clients().consumer(null, "uncommitted-reader", new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long n = 0;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                n += c.poll(Duration.ofMillis(100)).count();
            }
            return n;
        }
    }
}
