package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class ExplainWorkerTest {

    @TempDir
    Path dir;

    static ImageEvent image(String id) {
        return ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(new byte[] {1, 2, 3}))
                .setWidth(1).setHeight(1).setChannels(1).setLabel(-1).build();
    }

    static Prediction prediction(String id, int top1, float p, int label) {
        return Prediction.newBuilder().setImageId(id).setModelName("m").setModelVersion("1").setLabel(label)
                .addTopK(ClassScore.newBuilder().setClassIndex(top1).setProbability(p)).build();
    }

    private ExplainWorkerConfig config(KafkaTestContext kafka, String policy, String instance) {
        return ExplainWorkerConfig.defaults(kafka.bootstrapServers(), kafka.catalog(), dir.resolve("model.onnx"), dir.resolve("art"))
                .withPolicy(policy).withMethods(List.of("gradcam", "featuremaps"), null)
                .withBatch(8, Duration.ofMillis(50)).withIdentity(kafka.groupId("explain"), instance)
                .withImageWait(Duration.ofSeconds(2));
    }

    @Test
    void shouldPublishExactlyOneExplanationPerImageVersionAndMethodAcrossACrash(KafkaTestContext kafka) {
        // Given 40 images with their predictions on the topics, by two model versions in turn (so that a transaction
        // makes two engine calls, one per version, each with both methods)
        TopicCatalog catalog = kafka.catalog();
        int n = 40;
        for (int i = 0; i < n; i++) {
            kafka.produce(catalog.images(), "img-" + i, image("img-" + i));
        }
        for (int i = 0; i < n; i++) {
            kafka.produce(catalog.predictions(), "img-" + i, prediction("img-" + i, i % 3, 0.9f, -1).toBuilder()
                    .setModelVersion(String.valueOf(1 + i % 2)).build());
        }

        // When a worker crashes in its second transaction (its 4th engine call), after the first version's explanations
        // were sent but not committed
        FakeEngine crashing = new FakeEngine(4);
        ExplainWorkerConfig cfg = config(kafka, "all", "explain-crash");
        ExplainWorker first = new ExplainWorker(cfg, crashing, new ModelCatalog(null), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        first.start();
        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> first.failure() != null);
        assertInstanceOf(FakeEngine.SimulatedCrash.class, first.failure());
        first.close();

        // ... and a new instance with the same id takes over
        FakeEngine healthy = new FakeEngine(0);
        ExplainWorker second = new ExplainWorker(cfg, healthy, new ModelCatalog(null), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try {
            second.start();
            List<ConsumerRecord<String, Explanation>> committed = kafka.consume(catalog.explanations(), 2 * n, Duration.ofSeconds(60));

            // Then every (image, version, method) has exactly one committed record
            Set<String> keys = new HashSet<>();
            for (ConsumerRecord<String, Explanation> r : committed) {
                Explanation e = r.value();
                assertEquals(e.getImageId(), r.key(), "keyed by image id");
                assertTrue(keys.add(ExplainItem.dedupKey(e.getImageId(), e.getModelName(), e.getModelVersion(),
                        e.getArtifacts(0).getMethod())), "duplicate " + e.getImageId() + " " + e.getArtifacts(0).getMethod());
            }
            assertEquals(2 * n, committed.size());
            // and the crash really happened mid-transaction: the log holds aborted explanations too
            assertTrue(countUncommitted(kafka, catalog.explanations().name()) > 2 * n,
                    "expected aborted records from the crashed transaction on the log");
            // the first worker committed one batch before it crashed, which the second did not redo
            assertTrue(healthy.items.get() < 2 * n, "second worker redid " + healthy.items.get() + " items");
        } finally {
            second.close();
        }
    }

    @Test
    void shouldExplainOnlyWhatThePolicySelectsAndDeadLetterPredictionsWithoutImages(KafkaTestContext kafka) {
        // Given: a confident prediction, a low-confidence one, and a low-confidence one whose image never arrives
        TopicCatalog catalog = kafka.catalog();
        kafka.produce(catalog.images(), "sure", image("sure"));
        kafka.produce(catalog.images(), "unsure", image("unsure"));
        kafka.produce(catalog.predictions(), "sure", prediction("sure", 1, 0.95f, -1));
        kafka.produce(catalog.predictions(), "unsure", prediction("unsure", 1, 0.4f, -1));
        kafka.produce(catalog.predictions(), "lost", prediction("lost", 1, 0.3f, -1));

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ExplainWorker worker = new ExplainWorker(config(kafka, "low-confidence:0.6", "explain-policy"), new FakeEngine(0),
                new ModelCatalog(null), registry);
        try {
            worker.start();
            // Then only "unsure" is explained (2 methods) and "lost" is dead-lettered as image-unavailable
            List<ConsumerRecord<String, DeadLetter>> dead = kafka.consume(catalog.deadletter(), 1, Duration.ofSeconds(30));
            assertEquals("image-unavailable", dead.get(0).value().getReason());
            assertEquals("lost", dead.get(0).value().getImageId());
            List<ConsumerRecord<String, Explanation>> explained = kafka.consume(catalog.explanations(), 2, Duration.ofSeconds(30));
            assertEquals(2, explained.size());
            explained.forEach(r -> {
                assertEquals("unsure", r.key());
                assertEquals("low-confidence", r.value().getReason());
            });
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> worker.summary().explanations() == 2);
            assertEquals(2, worker.summary().selected(), "unsure and lost were selected; sure was not");
            // and the Prometheus series count them by method, with the backlog and failures by reason
            String scrape = registry.scrape();
            assertTrue(scrape.contains("glimpse_explanations_total{method=\"gradcam\"} 1.0"), scrape);
            assertTrue(scrape.contains("glimpse_explanations_total{method=\"featuremaps\"} 1.0"), scrape);
            assertTrue(scrape.contains("glimpse_explanation_duration_seconds_count{method=\"gradcam\"} 1"), scrape);
            assertTrue(scrape.contains("glimpse_explain_failures_total{reason=\"image-unavailable\"} 1.0"), scrape);
            // and the dead letter is in the one platform counter every stage's dead letters go to
            assertTrue(scrape.contains("glimpse_deadletter_total{reason=\"image-unavailable\",stage=\"explain\"} 1.0"), scrape);
            assertTrue(scrape.contains("glimpse_explain_backlog "), scrape);
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldExplainOnDemandOnceAndAnswerRepeatsWithTheExistingRecord(KafkaTestContext kafka) throws Exception {
        // Given an on-demand-only worker that has seen a prediction
        TopicCatalog catalog = kafka.catalog();
        kafka.produce(catalog.images(), "x", image("x"));
        kafka.produce(catalog.predictions(), "x", prediction("x", 2, 0.9f, -1));
        FakeEngine engine = new FakeEngine(0);
        ExplainWorker worker = new ExplainWorker(config(kafka, "on-demand", "explain-ondemand"), engine,
                new ModelCatalog(null), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try {
            worker.start();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> worker.explain("x", List.of("gradcam++"), -1)
                    .handle((r, e) -> e == null).get());
            // When the same explanation is asked for again
            List<Explanation> again = worker.explain("x", List.of("gradcam++"), -1).get(30, TimeUnit.SECONDS);

            // Then it is answered from the existing record, and the topic holds one record
            assertEquals(1, again.size());
            assertEquals("on-demand", again.get(0).getReason());
            assertEquals(1, engine.items.get());
            assertEquals(1, kafka.readAll(catalog.explanations()).size());
            // and unknown ids or methods are refused
            assertTrue(worker.explain("nope", List.of("gradcam"), -1).isCompletedExceptionally());
            assertTrue(worker.explain("x", List.of("magic"), -1).isCompletedExceptionally());
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldExplainOnDemandAtAChosenLayerNextToTheDefaultOne(KafkaTestContext kafka) throws Exception {
        // Given an on-demand-only worker with the real engine on a tiny CNN (layers r1: 4x16x16, features: 4x8x8)
        TopicCatalog catalog = kafka.catalog();
        TinyCnn.write(dir.resolve("model.onnx"), "1", 7);
        byte[][] img = TinyCnn.squareImage(3, 4);
        kafka.produce(catalog.images(), "x", ImageEvent.newBuilder().setImageId("x").setData(ByteString.copyFrom(img[0]))
                .setContentType("image/png").setWidth(16).setHeight(16).setChannels(1).setLabel(-1).build());
        kafka.produce(catalog.predictions(), "x", Prediction.newBuilder().setImageId("x").setModelName("tiny").setModelVersion("1")
                .setLabel(-1).addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.9f)).build());
        try (ExplainWorker worker = ExplainWorker.create(config(kafka, "on-demand", "explain-layer"),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            worker.start();
            assertTrue(worker.choosesLayers());
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> worker.explain("x", List.of("featuremaps"), -1)
                    .handle((r, e) -> e == null && r.size() == 1).get());

            // When feature maps are asked for at the earlier layer r1
            List<Explanation> atR1 = worker.explain("x", List.of("featuremaps"), -1, "r1").get(60, TimeUnit.SECONDS);

            // Then they are r1's maps (full 16x16 resolution), a record of their own next to the default layer's
            assertEquals(1, atR1.size());
            assertEquals("r1", atR1.get(0).getLayer());
            assertEquals(List.of(4L, 16L, 16L), atR1.get(0).getArtifacts(0).getRawShapeList());
            List<Explanation> byDefault = worker.explain("x", List.of("featuremaps"), -1).get(60, TimeUnit.SECONDS);
            assertEquals(TinyCnn.LAYER, byDefault.get(0).getLayer(), "the default request is not answered with r1's maps");
            assertEquals(List.of(4L, 8L, 8L), byDefault.get(0).getArtifacts(0).getRawShapeList());
            assertEquals(2, kafka.readAll(catalog.explanations()).size());

            // And a layer the model does not have produces nothing, with a dead letter naming the layer
            assertEquals(List.of(), worker.explain("x", List.of("featuremaps"), -1, "no-such-layer").get(60, TimeUnit.SECONDS));
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> kafka.readAll(catalog.deadletter()).stream()
                    .anyMatch(r -> r.value().getDetail().contains("no-such-layer")));
        }
    }

    @Test
    void shouldExplainAPredictionWhenALaterLabelDisagreesWithIt(KafkaTestContext kafka) {
        // Given a disagreement-policy worker that has processed an unlabelled prediction of class 1
        TopicCatalog catalog = kafka.catalog();
        kafka.produce(catalog.images(), "late", image("late"));
        kafka.produce(catalog.predictions(), "late", prediction("late", 1, 0.9f, -1));
        ExplainWorker worker = new ExplainWorker(config(kafka, "disagreement", "explain-late-label"), new FakeEngine(0),
                new ModelCatalog(null), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try {
            worker.start();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> worker.awaitIdle(Duration.ofMillis(100)));
            assertEquals(0, kafka.readAll(catalog.explanations()).size(), "no label yet: nothing to disagree with");

            // When a label of class 3 arrives for it
            kafka.produce(catalog.labels(), "late", dev.glimpse.contracts.events.Label.newBuilder().setImageId("late")
                    .setLabel(3).setSource("console").build());

            // Then it is explained with every configured method, for the reason "disagreement"
            List<ConsumerRecord<String, Explanation>> explained = kafka.consume(catalog.explanations(), 2, Duration.ofSeconds(30));
            assertEquals(2, explained.size());
            explained.forEach(r -> assertEquals("disagreement", r.value().getReason()));
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldRetireModelVersionsAnnouncedAsRolledBack(KafkaTestContext kafka) {
        TopicCatalog catalog = kafka.catalog();
        FakeEngine engine = new FakeEngine(0);
        ExplainWorker worker = new ExplainWorker(config(kafka, "all", "explain-retire"), engine, new ModelCatalog(null),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try {
            worker.start();
            kafka.produce(catalog.models(), "m", ModelAnnouncement.newBuilder().setModelName("m").setVersion("1")
                    .setState(ModelAnnouncement.State.ROLLED_BACK).build());
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> {
                synchronized (engine) {
                    return engine.retired.contains(new ModelKey("m", "1"));
                }
            });
            assertFalse(engine.retired.contains(new ModelKey("m", "2")));
        } finally {
            worker.close();
        }
    }

    private static long countUncommitted(KafkaTestContext kafka, String topic) {
        try (Consumer<byte[], byte[]> c = kafka.clients().consumer(null, "uncommitted-reader", new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), Map.of("isolation.level", "read_uncommitted"))) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long n = 0;
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && !parts.stream().allMatch(p -> c.position(p) >= end.get(p))) {
                n += c.poll(Duration.ofMillis(100)).count();
            }
            return n;
        }
    }
}
