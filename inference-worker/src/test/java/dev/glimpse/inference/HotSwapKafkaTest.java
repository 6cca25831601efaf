package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.registry.store.Sha256;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Hot swap on a live stream: versions announced on {@code models} replace the serving model between batches. */
@ExtendWith(KafkaBrokerExtension.class)
class HotSwapKafkaTest {
    private static final String MODEL = "fashion";

    @TempDir
    Path dir;

    private InferenceWorker worker(KafkaTestContext kafka, TopicCatalog catalog, String id) throws Exception {
        return worker(kafka, catalog, id, MetricsServer.newRegistry("inference-worker"));
    }

    private InferenceWorker worker(KafkaTestContext kafka, TopicCatalog catalog, String id, MeterRegistry registry)
            throws Exception {
        InferenceConfig config = InferenceConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .groupId(kafka.groupId("hot-swap"))
                .workerId(id)
                .model(BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir))
                .modelName(MODEL)
                .device("cpu")
                .maxBatchSize(32)
                .maxWait(Duration.ofMillis(5))
                .intraOpThreads(1)
                .build();
        InferenceWorker w = new InferenceWorker(config, catalog, registry);
        w.start();
        return w;
    }

    /** Writes model bytes as a model store would and returns the PROMOTED announcement of them. */
    private ModelAnnouncement promoted(String version, byte[] fileBytes, String sha256) throws Exception {
        Path file = dir.resolve(MODEL).resolve(version).resolve("model.onnx");
        Files.createDirectories(file.getParent());
        Files.write(file, fileBytes);
        return ModelAnnouncement.newBuilder().setModelName(MODEL).setVersion(version)
                .setState(ModelAnnouncement.State.PROMOTED).setUri(file.toUri().toString()).setSha256(sha256)
                .setAnnouncedAtMs(System.currentTimeMillis()).build();
    }

    private byte[] modelBytes() throws Exception {
        return Files.readAllBytes(BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir));
    }

    /** The bundled model with one metadata entry replaced. */
    private byte[] withMetadata(String key, String value) throws Exception {
        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(modelBytes());
        Onnx.ModelProto.Builder b = model.toBuilder().clearMetadataProps();
        boolean replaced = false;
        for (Onnx.StringStringEntryProto e : model.getMetadataPropsList()) {
            boolean match = e.getKey().equals(key);
            b.addMetadataProps(match ? e.toBuilder().setValue(value).build() : e);
            replaced |= match;
        }
        assertTrue(replaced, "the bundled model has " + key);
        return b.build().toByteArray();
    }

    /** Value of the model info gauge for one version of this worker, or null when there is no such series. */
    private static Double modelInfo(MeterRegistry registry, String worker, String version) {
        Gauge g = registry.find("glimpse.inference.model.info").tags("worker", worker, "version", version).gauge();
        return g == null ? null : g.value();
    }

    @Test
    void shouldAnswerEveryImageOnceWithMonotonicVersionsWhenTwoVersionsArePromotedUnderLoad(KafkaTestContext kafka)
            throws Exception {
        // Given a worker serving its start model on three partitions, and two further versions on disk
        TopicCatalog catalog = kafka.catalog(3);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("inference-worker");
        InferenceWorker worker = worker(kafka, catalog, "swap-under-load", registry);
        String startVersion = worker.servingVersion();
        assertEquals(1.0, modelInfo(registry, "swap-under-load", startVersion), "the start model is reported serving");
        byte[] bytes = modelBytes();
        ModelAnnouncement v2 = promoted("v2", bytes, Sha256.of(bytes));
        ModelAnnouncement v3 = promoted("v3", bytes, Sha256.of(bytes));
        int total = 5000;
        List<ImageEvent> events = TestImages.events("swap-", total);
        try {
            // When 5,000 images stream in while v2 and then (once v2 answers) v3 are promoted
            boolean v3Announced = false;
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("swap-images")) {
                for (int i = 0; i < total; i++) {
                    ImageEvent e = events.get(i);
                    producer.send(new ProducerRecord<>(catalog.images().name(),
                            e.getImageId().getBytes(StandardCharsets.UTF_8), e.toByteArray()));
                    if (i % 100 == 99) {
                        producer.flush();
                        Thread.sleep(25);
                    }
                    if (i == 1000) {
                        kafka.produce(catalog.models(), MODEL + "/v2", v2);
                    }
                    if (!v3Announced && i >= 2500 && "v2".equals(worker.servingVersion())) {
                        kafka.produce(catalog.models(), MODEL + "/v3", v3);
                        v3Announced = true;
                    }
                }
                producer.flush();
            }
            assertTrue(v3Announced, "v2 was serving before the stream ended, so v3 could be announced under load");
            List<ConsumerRecord<String, Prediction>> predictions =
                    kafka.consume(catalog.predictions(), total, Duration.ofSeconds(45));

            // Then every image has exactly one committed prediction
            assertEquals(total, predictions.size(), "one prediction per image, no duplicates");
            Set<String> ids = new HashSet<>();
            predictions.forEach(r -> ids.add(r.value().getImageId()));
            assertEquals(total, ids.size());
            // and each names a version that served, and per partition the versions never go back
            Map<String, Integer> rank = Map.of(startVersion, 0, "v2", 1, "v3", 2);
            Map<Integer, List<ConsumerRecord<String, Prediction>>> byPartition = new TreeMap<>();
            predictions.forEach(r -> byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r));
            Map<String, Integer> perVersion = new TreeMap<>();
            for (List<ConsumerRecord<String, Prediction>> part : byPartition.values()) {
                part.sort((a, b) -> Long.compare(a.offset(), b.offset()));
                int last = 0;
                for (ConsumerRecord<String, Prediction> r : part) {
                    String v = r.value().getModelVersion();
                    assertTrue(rank.containsKey(v), "unexpected version " + v);
                    assertTrue(rank.get(v) >= last, "partition " + r.partition() + " went back from rank " + last
                            + " to " + v + " at offset " + r.offset());
                    last = rank.get(v);
                    perVersion.merge(v, 1, Integer::sum);
                }
            }
            System.out.println("hot swap under load: predictions per version " + perVersion + ", swaps "
                    + worker.modelSwaps());
            assertTrue(perVersion.getOrDefault("v2", 0) > 0, "v2 answered some images: " + perVersion);
            assertTrue(perVersion.getOrDefault("v3", 0) > 0, "v3 answered some images: " + perVersion);
            assertEquals("v3", worker.servingVersion());
            assertEquals(2, worker.modelSwaps());
            // and the model info gauge follows the swaps: only the version serving now has a series (value 1)
            assertEquals(1.0, modelInfo(registry, "swap-under-load", "v3"));
            assertEquals(null, modelInfo(registry, "swap-under-load", "v2"), "v2 was replaced by v3");
            assertEquals(null, modelInfo(registry, "swap-under-load", startVersion), "the start model was replaced");
            String scrape = registry.scrape();
            // (after a swap the series names the model as announced, the name predictions carry too)
            List<String> info = scrape.lines().filter(l -> l.startsWith("glimpse_inference_model_info")).toList();
            assertTrue(info.contains("glimpse_inference_model_info{model=\"fashion\",service=\"inference-worker\",version=\"v3\",worker=\"swap-under-load\"} 1"),
                    "Prometheus text names the serving version with the worker:\n" + info);
            assertEquals(1, info.size(), "one series, the serving version's:\n" + info);
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldRejectCorruptAndShaMismatchedModelsAndKeepServingTheOldOne(KafkaTestContext kafka) throws Exception {
        // Given a serving worker
        TopicCatalog catalog = kafka.catalog(2);
        InferenceWorker worker = worker(kafka, catalog, "rejecter");
        String startVersion = worker.servingVersion();
        byte[] bytes = modelBytes();
        byte[] corrupt = "this is not an onnx model".getBytes(StandardCharsets.UTF_8);
        try {
            // When a corrupt model (right sha256 of wrong bytes) and a good model with a wrong sha256 are promoted
            kafka.produce(catalog.models(), MODEL + "/v2", promoted("v2", corrupt, Sha256.of(corrupt)));
            kafka.produce(catalog.models(), MODEL + "/v3", promoted("v3", bytes, "0".repeat(64)));

            // Then both are announced REJECTED by this worker with the reason
            Map<String, String> reasons = new HashMap<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                for (ConsumerRecord<String, ModelAnnouncement> r : kafka.readAll(catalog.models())) {
                    if (r.value().getState() == ModelAnnouncement.State.REJECTED) {
                        reasons.put(r.value().getVersion(), r.value().getReason());
                    }
                }
                return reasons.size() == 2;
            });
            assertTrue(reasons.get("v2").startsWith("worker rejecter: corrupt-model"), reasons.get("v2"));
            assertTrue(reasons.get("v3").startsWith("worker rejecter: sha-mismatch"), reasons.get("v3"));

            // and the old model keeps answering
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("after-rejection")) {
                for (ImageEvent e : TestImages.events("after-", 40)) {
                    producer.send(new ProducerRecord<>(catalog.images().name(),
                            e.getImageId().getBytes(StandardCharsets.UTF_8), e.toByteArray()));
                }
                producer.flush();
            }
            List<ConsumerRecord<String, Prediction>> predictions =
                    kafka.consume(catalog.predictions(), 40, Duration.ofSeconds(30));
            assertEquals(40, predictions.size());
            predictions.forEach(r -> assertEquals(startVersion, r.value().getModelVersion()));
            assertEquals(0, worker.modelSwaps());
            assertTrue(worker.isRunning());
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldRejectModelsWithInvalidOrIncompatiblePreprocessingMetadataAndKeepServingTheOldOne(KafkaTestContext kafka)
            throws Exception {
        // Given a serving worker (its images are preprocessed as gray 28x28, mean 0, std 1)
        TopicCatalog catalog = kafka.catalog(2);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("inference-worker");
        InferenceWorker worker = worker(kafka, catalog, "metadata-checker", registry);
        String startVersion = worker.servingVersion();
        byte[] otherNormalisation = withMetadata(ModelMetadataKeys.INPUT_STD, "[0.5]");
        byte[] invalidStd = withMetadata(ModelMetadataKeys.INPUT_STD, "[0.0]");
        try {
            // When a model asking for another normalisation and one with an invalid std are promoted
            kafka.produce(catalog.models(), MODEL + "/v2",
                    promoted("v2", otherNormalisation, Sha256.of(otherNormalisation)));
            kafka.produce(catalog.models(), MODEL + "/v3", promoted("v3", invalidStd, Sha256.of(invalidStd)));

            // Then both are announced REJECTED by this worker, each with its reason
            Map<String, String> reasons = new HashMap<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                for (ConsumerRecord<String, ModelAnnouncement> r : kafka.readAll(catalog.models())) {
                    if (r.value().getState() == ModelAnnouncement.State.REJECTED) {
                        reasons.put(r.value().getVersion(), r.value().getReason());
                    }
                }
                return reasons.size() == 2;
            });
            assertTrue(reasons.get("v2").startsWith("worker metadata-checker:"), reasons.get("v2"));
            assertTrue(reasons.get("v2").contains("incompatible-preprocessing: input std [0.5]"), reasons.get("v2"));
            assertTrue(reasons.get("v3").startsWith("worker metadata-checker: bad-metadata"), reasons.get("v3"));
            assertTrue(reasons.get("v3").contains(ModelMetadataKeys.INPUT_STD), reasons.get("v3"));

            // and the start model keeps answering, still reported as the one serving
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("after-metadata")) {
                for (ImageEvent e : TestImages.events("meta-", 40)) {
                    producer.send(new ProducerRecord<>(catalog.images().name(),
                            e.getImageId().getBytes(StandardCharsets.UTF_8), e.toByteArray()));
                }
                producer.flush();
            }
            List<ConsumerRecord<String, Prediction>> predictions =
                    kafka.consume(catalog.predictions(), 40, Duration.ofSeconds(30));
            assertEquals(40, predictions.size());
            predictions.forEach(r -> assertEquals(startVersion, r.value().getModelVersion()));
            assertEquals(0, worker.modelSwaps());
            assertEquals(1.0, modelInfo(registry, "metadata-checker", startVersion));
            assertNull(modelInfo(registry, "metadata-checker", "v2"), "a rejected version never gets a series");
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldAnswerTheShadowShareToTheShadowTopicWhileTheServingVersionAnswersEveryImage(KafkaTestContext kafka)
            throws Exception {
        // Given a worker with a SHADOW version loaded for half of the traffic
        TopicCatalog catalog = kafka.catalog(2);
        InferenceWorker worker = worker(kafka, catalog, "shadower");
        String startVersion = worker.servingVersion();
        byte[] bytes = modelBytes();
        ModelAnnouncement shadow = promoted("v2", bytes, Sha256.of(bytes)).toBuilder()
                .setState(ModelAnnouncement.State.SHADOW).setShadowFraction(0.5).build();
        try {
            kafka.produce(catalog.models(), MODEL + "/v2", shadow);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "v2".equals(worker.shadowVersion()));

            // When 200 images stream in
            List<ImageEvent> events = TestImages.events("shadow-", 200);
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("shadow-images")) {
                for (ImageEvent e : events) {
                    producer.send(new ProducerRecord<>(catalog.images().name(),
                            e.getImageId().getBytes(StandardCharsets.UTF_8), e.toByteArray()));
                }
                producer.flush();
            }
            List<ConsumerRecord<String, Prediction>> live = kafka.consume(catalog.predictions(), 200, Duration.ofSeconds(30));

            // Then every image is answered once by the serving version, and exactly the sampled ones by the shadow
            assertEquals(200, live.size());
            live.forEach(r -> {
                assertEquals(startVersion, r.value().getModelVersion());
                assertTrue(!r.value().getShadow());
            });
            Set<String> expected = new HashSet<>();
            events.forEach(e -> {
                if (dev.glimpse.registry.swap.ShadowSampler.inShadow(e.getImageId(), 0.5)) {
                    expected.add(e.getImageId());
                }
            });
            assertTrue(expected.size() > 50 && expected.size() < 150, "about half sampled: " + expected.size());
            List<ConsumerRecord<String, Prediction>> shadowed = kafka.readAll(catalog.predictionsShadow());
            Set<String> shadowIds = new HashSet<>();
            shadowed.forEach(r -> {
                assertTrue(r.value().getShadow());
                assertEquals("v2", r.value().getModelVersion());
                shadowIds.add(r.value().getImageId());
            });
            assertEquals(expected.size(), shadowed.size(), "one shadow prediction per sampled image");
            assertEquals(expected, shadowIds);
        } finally {
            worker.close();
        }
    }
}
