package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLifecycleTest {
    @TempDir
    Path dir;
    private final List<ModelAnnouncement> announced = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ModelStore store;
    private ModelLifecycle lifecycle;
    private int imageCounter;

    @BeforeEach
    void setUp() {
        store = new ModelStore(dir);
        for (int i = 1; i <= 3; i++) {
            store.publish("m", new byte[] {(byte) i}, ModelManifest.draft(ModelState.CANDIDATE, i == 1 ? "" : "v" + (i - 1),
                    Map.of("holdout_accuracy", 0.8), Map.of(), Map.of()));
        }
        lifecycle = new ModelLifecycle("m", store, announced::add, new TrainingMetrics(registry),
                new ModelLifecycle.Settings(0.05, 100, 100, 0.2));
        lifecycle.bootstrap("v1", "seed");
    }

    /** Streams {@code n} labeled predictions by {@code version}, a fraction {@code accuracy} of them right. */
    private void stream(String version, boolean shadow, int n, double accuracy) {
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            boolean right = i % 100 < Math.round(accuracy * 100);
            lifecycle.onPrediction(prediction("img-" + imageCounter++, version, shadow, right ? label : (label + 1) % 10, label));
        }
    }

    private static Prediction prediction(String id, String version, boolean shadow, int top1, int label) {
        return Prediction.newBuilder().setImageId(id).setModelName("m").setModelVersion(version).setShadow(shadow)
                .addTopK(ClassScore.newBuilder().setClassIndex(top1).setProbability(0.9f)).setLabel(label).build();
    }

    @Test
    void shouldRollBackForcedWorseVersionAutomatically() {
        // Given v1 serves with live accuracy 0.85
        stream("v1", false, 200, 0.85);
        // When an operator forces v2 into production and it answers only 0.60 right
        lifecycle.promote("v2", "forced by operator", true);
        stream("v2", false, 99, 0.60);
        assertEquals("v2", lifecycle.serving().orElseThrow().version(), "not before 100 labeled events");
        stream("v2", false, 1, 0.60);
        // Then v2 is rolled back and v1 serves again, announced in that order
        assertEquals("v1", lifecycle.serving().orElseThrow().version());
        assertEquals(ModelState.ROLLED_BACK, store.get("m", "v2").manifest().state());
        ModelAnnouncement rolledBack = announced.get(announced.size() - 2);
        ModelAnnouncement restored = announced.get(announced.size() - 1);
        assertEquals(ModelAnnouncement.State.ROLLED_BACK, rolledBack.getState());
        assertEquals("v2", rolledBack.getVersion());
        assertTrue(rolledBack.getReason().contains("below v1's 0.8500"), rolledBack.getReason());
        assertEquals(ModelAnnouncement.State.PROMOTED, restored.getState());
        assertEquals("v1", restored.getVersion());
        assertEquals(1.0, registry.counter("glimpse.model.transitions", "state", "rolled_back").count());
    }

    @Test
    void shouldKeepPromotedVersionThatIsAsGood() {
        stream("v1", false, 200, 0.80);
        lifecycle.promote("v2", "better on holdout", false);
        stream("v2", false, 300, 0.78); // within the 0.05 threshold
        assertEquals("v2", lifecycle.serving().orElseThrow().version());
    }

    @Test
    void shouldCountLabelsThatArriveAfterThePrediction() {
        lifecycle.onPrediction(prediction("late", "v1", false, 3, -1));
        assertTrue(Double.isNaN(lifecycle.liveAccuracy("v1")));
        lifecycle.onLabel(Label.newBuilder().setImageId("late").setLabel(3).build());
        assertEquals(1.0, lifecycle.liveAccuracy("v1"));
        assertEquals(1, lifecycle.liveLabeled("v1"));
    }

    @Test
    void shouldPromoteShadowCandidateThatIsAtLeastAsAccurate() {
        lifecycle.startShadow(store.get("m", "v2"), "passed holdout");
        assertEquals(ModelAnnouncement.State.SHADOW, announced.get(announced.size() - 1).getState());
        assertEquals(0.2, announced.get(announced.size() - 1).getShadowFraction(), 1e-12);
        // the same 100 images answered by both: live right on 70, shadow right on 90
        for (int i = 0; i < 100; i++) {
            String id = "s-" + i;
            int label = i % 10;
            lifecycle.onPrediction(prediction(id, "v1", false, i % 100 < 70 ? label : (label + 1) % 10, label));
            lifecycle.onPrediction(prediction(id, "v2", true, i % 100 < 90 ? label : (label + 1) % 10, label));
        }
        assertEquals("v2", lifecycle.serving().orElseThrow().version());
        assertTrue(lifecycle.shadowVersion().isEmpty());
    }

    @Test
    void shouldRejectShadowCandidateThatIsWorse() {
        lifecycle.startShadow(store.get("m", "v2"), "passed holdout");
        for (int i = 0; i < 100; i++) {
            String id = "s-" + i;
            int label = i % 10;
            lifecycle.onPrediction(prediction(id, "v2", true, i % 100 < 60 ? label : (label + 1) % 10, label));
            lifecycle.onPrediction(prediction(id, "v1", false, i % 100 < 70 ? label : (label + 1) % 10, label));
        }
        assertEquals("v1", lifecycle.serving().orElseThrow().version());
        assertEquals(ModelState.REJECTED, store.get("m", "v2").manifest().state());
    }

    @Test
    void shouldRestorePreviousVersionWhenAWorkerRejectsTheServingOne() {
        lifecycle.promote("v2", "better on holdout", false);
        lifecycle.onRejectedByWorker("v2", "worker w1: non-finite-output: NaN in logits");
        lifecycle.onRejectedByWorker("v2", "worker w2: non-finite-output: NaN in logits"); // second worker: no-op
        assertEquals("v1", lifecycle.serving().orElseThrow().version());
        assertEquals(ModelState.REJECTED, store.get("m", "v2").manifest().state());
        ModelAnnouncement last = announced.get(announced.size() - 1);
        assertEquals("v1", last.getVersion());
        assertEquals(ModelAnnouncement.State.PROMOTED, last.getState());
        assertEquals(1, announced.stream().filter(a -> a.getReason().startsWith("restored after a worker")).count());
    }

    @Test
    void shouldHoldPinnedVersionAgainstAutomaticChanges() {
        lifecycle.pin("v3");
        assertEquals("v3", lifecycle.serving().orElseThrow().version(), "pinning a version makes it serve");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> lifecycle.promote("v2", "auto", false));
        assertTrue(e.getMessage().contains("pinned"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> lifecycle.rollback("auto", false));
        lifecycle.unpin();
        lifecycle.rollback("operator says so", true);
        assertEquals("v1", lifecycle.serving().orElseThrow().version(), "v3 was promoted over v1");
    }
}
