package dev.glimpse.trainingservice;

import dev.glimpse.registry.testing.TinyOnnx;
import dev.glimpse.registry.swap.ModelSwapper;
import dev.glimpse.registry.swap.HotSwapSlot;
import dev.glimpse.registry.swap.ModelCandidateLoader;
import dev.glimpse.registry.swap.LoadedCandidate;
import dev.glimpse.registry.swap.ModelsTopicListener;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.registry.announce.KafkaModelAnnouncer;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Training service announces, a worker-side swapper follows: good models swap in, bad ones are rejected and announced. */
@ExtendWith(KafkaBrokerExtension.class)
class ModelSwapperTest {
    @TempDir
    Path dir;

    /** What a worker would wrap: here just the verified session and its version. */
    record Served(String version, LoadedCandidate.Ready ready) implements AutoCloseable {
        @Override
        public void close() {
            ready.close();
        }
    }

    @Test
    void shouldSwapGoodModelsAndRejectBadOnesWhileOldModelServesOn(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        ModelStore store = new ModelStore(dir);
        float[] nan = new float[16 * 3];
        nan[3] = Float.NaN;
        List<byte[]> models = List.of(TinyOnnx.linear(4, 4, 3, 0.1f), TinyOnnx.linear(4, 4, 3, 0.2f),
                TinyOnnx.linear(4, 4, 3, nan), TinyOnnx.linear(5, 5, 3, 0.1f), TinyOnnx.linear(4, 4, 3, 0.3f));
        for (byte[] m : models) {
            store.publish("m", m, ModelManifest.draft(ModelState.CANDIDATE, "", Map.of(), Map.of(), Map.of()));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaModelAnnouncer announcer = new KafkaModelAnnouncer(kafka.clients().producer("announcer",
                new StringSerializer(), catalog.models().valueSerde().serializer(), Map.of()), catalog.models());
             ModelCandidateLoader loader = ModelCandidateLoader.onCpu();
             HotSwapSlot<Served> live = new HotSwapSlot<>(null)) {
            ModelLifecycle lifecycle = new ModelLifecycle("m", store, announcer, new TrainingMetrics(registry),
                    new ModelLifecycle.Settings(0.05, 100, 100, 0));
            // Given v1 and v2 promoted before the worker starts (it must end up on v2, the last PROMOTED record)
            lifecycle.bootstrap("v1", "seed");
            lifecycle.promote("v2", "better", false);
            ModelSwapper<Served> swapper = new ModelSwapper<>("m", "w1", null, null, loader,
                    ready -> new Served(ready.announcement().getVersion(), ready), live, null, announcer, registry);
            try (ModelsTopicListener listener = new ModelsTopicListener(kafka.clients().consumer(null, "w1-models"),
                    catalog.models(), "m", swapper)) {
                listener.start();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(listener::caughtUp);
                swapper.awaitIdle();
                assertEquals("v2", live.forNextBatch().version(), "the replay loads only the last promoted version");

                // When a NaN-producing v3 and a wrong-shaped v4 are promoted
                lifecycle.promote("v3", "forced", true);
                lifecycle.promote("v4", "forced", true);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> rejections(kafka, catalog).size() == 2);
                swapper.awaitIdle();
                // Then both are announced REJECTED with the worker's reason, and v2 serves on
                List<ModelAnnouncement> rejected = rejections(kafka, catalog);
                assertEquals("v3", rejected.get(0).getVersion());
                assertTrue(rejected.get(0).getReason().startsWith("worker w1: non-finite-output"), rejected.get(0).getReason());
                assertEquals("v4", rejected.get(1).getVersion());
                assertTrue(rejected.get(1).getReason().startsWith("worker w1: signature-mismatch"), rejected.get(1).getReason());
                assertEquals("v2", live.forNextBatch().version());

                // And a good v5 swaps in at the next batch
                lifecycle.promote("v5", "better", true);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "v5".equals(swapper.servingVersion()));
                assertEquals("v5", live.forNextBatch().version());
                assertEquals(2.0, registry.counter("glimpse.model.swaps", "result", "rejected").count());
                assertEquals(2.0, registry.counter("glimpse.model.swaps", "result", "staged").count());
            }
        }
    }

    @Test
    void shouldWaitForAMissingModelsTopicAndFollowItOnceItExists(KafkaTestContext kafka) throws Exception {
        // Given a deployment whose models topic does not exist yet (and a cluster that does not auto-create it)
        TopicCatalog late = new TopicCatalog(kafka.topicPrefix() + "late.", 1);
        ModelStore store = new ModelStore(dir);
        store.publish("m", TinyOnnx.linear(4, 4, 3, 0.1f), ModelManifest.draft(ModelState.CANDIDATE, "", Map.of(), Map.of(), Map.of()));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaModelAnnouncer announcer = new KafkaModelAnnouncer(kafka.clients().producer("late-announcer",
                new StringSerializer(), late.models().valueSerde().serializer(), Map.of()), late.models());
             ModelCandidateLoader loader = ModelCandidateLoader.onCpu();
             HotSwapSlot<Served> live = new HotSwapSlot<>(null)) {
            ModelSwapper<Served> swapper = new ModelSwapper<>("m", "w-late", null, null, loader,
                    ready -> new Served(ready.announcement().getVersion(), ready), live, null, announcer, registry);
            try (ModelsTopicListener listener = new ModelsTopicListener(kafka.clients().consumer(null, "w-late-models",
                    new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of("allow.auto.create.topics", false)),
                    late.models(), "m", swapper, Duration.ofMillis(200))) {
                listener.start();

                // When the listener starts, Then it waits for the topic (not following, not stopped)
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> listener.state() == ModelsTopicListener.State.WAITING_FOR_TOPIC);
                Thread.sleep(600); // several retry intervals: it keeps waiting rather than giving up
                assertEquals(ModelsTopicListener.State.WAITING_FOR_TOPIC, listener.state());

                // When the topic is created and v1 promoted on it, Then the listener follows and the model swaps in
                kafka.broker().createTopics(List.of(late.models()));
                new ModelLifecycle("m", store, announcer, new TrainingMetrics(registry),
                        new ModelLifecycle.Settings(0.05, 100, 100, 0)).bootstrap("v1", "seed");
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(listener::following);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "v1".equals(swapper.servingVersion()));
            }
        }
    }

    private static List<ModelAnnouncement> rejections(KafkaTestContext kafka, TopicCatalog catalog) {
        return kafka.readAll(catalog.models()).stream().map(r -> r.value())
                .filter(a -> a.getState() == ModelAnnouncement.State.REJECTED).toList();
    }
}
