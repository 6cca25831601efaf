package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.trainingservice.examples.HoldoutSplit;
import dev.glimpse.trainingservice.lifecycle.PromotionPolicy;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.StoredModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrainRunnerTest {
    @TempDir
    Path dir;
    private final List<ModelAnnouncement> announced = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrainingMetrics metrics = new TrainingMetrics(registry);
    private ModelStore store;
    private ModelLifecycle lifecycle;
    private ExampleBuffer buffer;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestModels.fashionAvailable(), "needs Fashion-MNIST (Debian package dataset-fashion-mnist)");
        store = new ModelStore(dir.resolve("store"));
        store.publish("fashion", TestModels.firstFiveClasses(), ModelManifest.draft(ModelState.CANDIDATE, "", Map.of(),
                Map.of(), Map.of()));
        lifecycle = new ModelLifecycle("fashion", store, announced::add, metrics,
                new ModelLifecycle.Settings(0.05, 50, 50, 0));
        lifecycle.bootstrap("v1", "seed model");
        buffer = new ExampleBuffer(400, 100);
        HoldoutSplit split = new HoldoutSplit(0.2);
        long offset = 0;
        for (LabeledImage img : TestModels.images(6000, 10000)) { // all ten classes, unseen by v1 (3,200 train / 800 holdout)
            buffer.add(img, split.isHoldout(img.id()), "training-examples-0", offset++);
        }
    }

    private RetrainRunner runner(PromotionPolicy policy) {
        TrainingConfig config = TrainingConfig.defaults().withEpochs(8).withProgress(false).withAugmentation(0, false)
                .withLearningRate(2e-3);
        return new RetrainRunner(store, lifecycle, new TransferLearningTrainer(config, 2, 0.3, FashionMnist.CLASS_NAMES),
                new HoldoutEvaluator(10, 256), policy, buffer, metrics, FashionMnist.CLASS_NAMES,
                100, dir.resolve("work"));
    }

    @Test
    void shouldPromoteFineTunedModelThatLearnsTheUnseenClasses() {
        // Given v1 knows classes 0-4 only, and labeled feedback covers all ten
        // When a run fine-tunes it (real trainer on ONNX Runtime)
        RetrainRunner.Outcome outcome = runner(new PromotionPolicy(0.02, 0.3, 50)).run("operator");

        // (classes 0-4 may lose some accuracy: v1 answered everything with them, hence the 0.3 allowance)
        // Then the candidate is far better on the holdout and becomes v2, promoted and announced
        assertEquals("promoted", outcome.outcome(), outcome.reason());
        assertTrue(outcome.current().accuracy() <= 0.5, "v1 cannot answer half the classes: " + outcome.current());
        assertTrue(outcome.candidate().accuracy() >= 0.75, "fine-tuned: " + outcome.candidate()); // measured 0.81
        StoredModel v2 = store.get("fashion", "v2");
        assertEquals(ModelState.PROMOTED, v2.manifest().state());
        assertEquals("v1", v2.manifest().parentVersion());
        assertEquals("unfreeze-last 2", v2.manifest().hyperparameters().get("recipe"));
        assertEquals("operator", v2.manifest().hyperparameters().get("trigger"));
        assertEquals(outcome.candidate().accuracy(), v2.manifest().metrics().get("holdout_accuracy"), 1e-12);
        assertTrue(v2.manifest().dataOffsets().get("training-examples-0").matches("\\d+-\\d+"));
        assertEquals("v2", lifecycle.serving().orElseThrow().version());
        ModelAnnouncement last = announced.get(announced.size() - 1);
        assertEquals(ModelAnnouncement.State.PROMOTED, last.getState());
        assertEquals("v2", last.getVersion());
        assertEquals(v2.manifest().sha256(), last.getSha256());
        assertEquals(1.0, registry.counter("glimpse.training.runs", "outcome", "promoted").count());
    }

    @Test
    void shouldRejectCandidateThatDoesNotBeatTheMargin() {
        RetrainRunner.Outcome outcome = runner(new PromotionPolicy(0.99, 1.0, 50)).run("every-n");

        assertEquals("rejected", outcome.outcome());
        assertTrue(outcome.reason().contains("below margin"), outcome.reason());
        assertEquals(ModelState.REJECTED, store.get("fashion", "v2").manifest().state(), "kept for lineage, marked rejected");
        assertEquals("v1", lifecycle.serving().orElseThrow().version(), "v1 serves on");
        assertEquals(ModelAnnouncement.State.REJECTED, announced.get(announced.size() - 1).getState());
    }

    @Test
    void shouldSkipWhenTooFewExamples() {
        buffer = new ExampleBuffer(10, 10);
        RetrainRunner.Outcome outcome = runner(new PromotionPolicy(0.02, 0.1, 50)).run("schedule");
        assertEquals("skipped", outcome.outcome());
        assertFalse(store.versions("fashion").size() > 1);
    }
}
