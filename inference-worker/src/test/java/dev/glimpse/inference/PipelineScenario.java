package dev.glimpse.inference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The end-to-end run shared by the embedded-broker and the Testcontainers tests: 1,000 images posted over HTTP to
 * ingest and 1,000 replayed from the dataset, classified by two inference workers in one group; one worker
 * crashes with a transaction open and comes back under its id. Every image must have exactly one prediction.
 */
final class PipelineScenario {

    static final int HTTP_IMAGES = 1000;
    static final int REPLAYED_IMAGES = 1000;

    private PipelineScenario() {
    }

    static void run(String bootstrapServers, TopicCatalog catalog, String groupId, Path modelDir) throws Exception {
        KafkaClients clients = new KafkaClients(bootstrapServers);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("e2e");
        Path model = BundledModels.extract(BundledModels.FASHION_MNIST_MLP, modelDir);
        InferenceWorker w1 = worker(bootstrapServers, catalog, groupId, "w1", model, registry);
        InferenceWorker w2 = worker(bootstrapServers, catalog, groupId, "w2", model, registry);
        InferenceWorker w1Again = null;
        Map<String, Object> ingestValues = new LinkedHashMap<>();
        ingestValues.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        ingestValues.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
        ingestValues.put(PlatformConfig.METRICS_PORT, -1);
        ingestValues.put(IngestConfig.HTTP_PORT, 0);
        ingestValues.put(HttpSettings.BIND, "127.0.0.1");
        ingestValues.put(IngestConfig.DATASET, DatasetReplay.defaultDataset());
        ingestValues.put(IngestConfig.RATE, 400.0);
        ingestValues.put(IngestConfig.LIMIT, (long) REPLAYED_IMAGES);
        ExecutorService posters = Executors.newFixedThreadPool(4);
        try (IngestService ingest = new IngestService(IngestConfig.parse(ingestValues), registry)) {
            // Given two workers that own the images topic between them
            w1.awaitAssignment(Duration.ofSeconds(30));
            // When ingest replays 1,000 images while 1,000 more are posted over HTTP ...
            ingest.start();
            URI upload = ingest.httpUri().orElseThrow().resolve("/v1/images");
            List<ImageEvent> images = TestImages.events("http-", HTTP_IMAGES);
            HttpClient http = HttpClient.newHttpClient();
            List<Future<Integer>> posted = new ArrayList<>();
            for (ImageEvent image : images) {
                posted.add(posters.submit(() -> http.send(HttpRequest.newBuilder(
                                URI.create(upload + "?label=" + image.getLabel()))
                        .header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(image.getData().toByteArray())).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()));
            }
            // ... and w1 crashes mid-stream with its transaction open, then restarts under the same id
            await().atMost(Duration.ofSeconds(60)).until(() -> w1.predictions() >= 100);
            w1.crash();
            w1Again = worker(bootstrapServers, catalog, groupId, "w1", model, registry);
            for (Future<Integer> f : posted) {
                assertEquals(201, f.get());
            }
            ingest.replay().orElseThrow().done().get();

            // Then every ingested image has exactly one committed prediction
            Set<String> ingested = ids(readCommitted(clients, catalog.images().name(), HTTP_IMAGES + REPLAYED_IMAGES));
            assertEquals(HTTP_IMAGES + REPLAYED_IMAGES, ingested.size());
            List<ConsumerRecord<byte[], byte[]>> predictions =
                    readCommitted(clients, catalog.predictions().name(), HTTP_IMAGES + REPLAYED_IMAGES);
            List<String> predictedIds = new ArrayList<>();
            Set<String> workers = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : predictions) {
                Prediction p = catalog.predictions().deserializeValue(r.value());
                predictedIds.add(p.getImageId());
                workers.add(p.getWorkerId());
            }
            assertEquals(HTTP_IMAGES + REPLAYED_IMAGES, predictedIds.size(), "no duplicates under read_committed");
            assertEquals(ingested, new HashSet<>(predictedIds), "no image lost");
            assertTrue(workers.containsAll(List.of("w1", "w2")), "both workers served: " + workers);
            assertNull(w2.failure());
        } finally {
            posters.shutdownNow();
            w2.close();
            if (w1Again != null) {
                w1Again.close();
            }
        }
    }

    static InferenceWorker worker(String bootstrapServers, TopicCatalog catalog, String group, String id, Path model,
                                  PrometheusMeterRegistry registry) throws Exception {
        InferenceWorker w = new InferenceWorker(InferenceConfig.builder().bootstrapServers(bootstrapServers)
                .groupId(group).workerId(id).model(model).device("cpu").maxBatchSize(32)
                .maxWait(Duration.ofMillis(5)).intraOpThreads(1).build(), catalog, registry);
        w.start();
        return w;
    }

    private static Set<String> ids(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ids.add(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return ids;
    }

    /** Reads a topic with read_committed until at least {@code count} records, then to its end (to catch duplicates). */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(KafkaClients clients, String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (Consumer<byte[], byte[]> c = clients.consumer(null, "e2e-reader-" + topic)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        if (out.size() < count) {
            throw new AssertionError("expected " + count + " records on " + topic + " but read " + out.size());
        }
        return out;
    }
}
