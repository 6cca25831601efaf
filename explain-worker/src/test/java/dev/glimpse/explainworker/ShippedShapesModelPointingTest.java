package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.ShapesConfig;
import dev.glimpse.datasets.ShapesDataset;
import dev.glimpse.registry.artifacts.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance figure, kept from regressing: the shipped shapes model explained by the worker with no
 * layer given (so at its localisation layer) points inside the object on at least 90% of held-out shapes.
 */
class ShippedShapesModelPointingTest {

    private static final Path MODEL = Path.of("..", "models", "shapes", "model.onnx");

    @TempDir
    Path dir;

    @Test
    void shouldPointInsideTheShapeOnAtLeastNinetyPercentOfHeldOutShapesAtTheDefaultLayer() throws Exception {
        assumeTrue(Files.isRegularFile(MODEL), MODEL.toAbsolutePath() + " is absent (run from the repository checkout)");
        // Given 64 test-split shapes (a generator seed the model never saw), each explained for its true class
        Dataset test = ShapesDataset.split(ShapesConfig.DEFAULT, 1, 64).test();
        List<ExplainItem> items = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            LabeledImage li = test.get(i);
            ImageEvent img = ImageEvent.newBuilder().setImageId("s" + i).setData(ByteString.copyFrom(li.toPng()))
                    .setWidth(li.width()).setHeight(li.height()).setChannels(li.channels())
                    .setObjectMask(ByteString.copyFrom(li.mask())).build();
            Prediction p = Prediction.newBuilder().setImageId("s" + i).setModelName("shapes").setModelVersion("1")
                    .addTopK(ClassScore.newBuilder().setClassIndex(li.label())).build();
            items.add(new ExplainItem(p, img, "gradcam", li.label(), "all"));
        }
        ExplainWorkerConfig cfg = ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), MODEL, dir);

        // When the worker's engine explains them in micro-batches of 8, as the worker does
        int hits = 0;
        int games = 0;
        try (OnnxExplanationEngine engine = new OnnxExplanationEngine(cfg, new ModelCatalog(MODEL),
                new ArtifactStore(dir, ArtifactStore.Limits.defaults()))) {
            for (int start = 0; start < items.size(); start += 8) {
                for (ExplanationEngine.Result r : engine.explain(items.subList(start, Math.min(items.size(), start + 8)))) {
                    assertTrue(r.succeeded(), r.failureDetail());
                    // Then the default layer is the 16×16 activation before global pooling
                    assertEquals("relu4", r.event().getLayer());
                    assertEquals(List.of(16L, 16L), r.event().getArtifacts(0).getRawShapeList());
                    var f = r.event().getArtifacts(0).getFaithfulness();
                    assertTrue(f.getHasPointingGame());
                    games++;
                    hits += f.getPointingGameHit() ? 1 : 0;
                }
            }
        }
        // and the hit rate meets the acceptance bar (0.99 measured on 300 in the demo)
        assertEquals(64, games);
        assertTrue(hits >= 0.9 * games, "Grad-CAM pointing game " + hits + "/" + games);
    }
}
