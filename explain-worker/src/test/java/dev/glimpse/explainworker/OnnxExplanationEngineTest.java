package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxExplanationEngineTest {

    @TempDir
    Path dir;

    private ExplainItem item(String id, String version, String method, int x, int y) {
        byte[][] img = TinyCnn.squareImage(x, y);
        ImageEvent image = ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(img[0])).setContentType("image/png")
                .setWidth(16).setHeight(16).setChannels(1).setObjectMask(ByteString.copyFrom(img[1])).build();
        Prediction p = Prediction.newBuilder().setImageId(id).setModelName("tiny").setModelVersion(version)
                .addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.5f)).build();
        return new ExplainItem(p, image, method, 1, "all");
    }

    private OnnxExplanationEngine engine(Path model, ModelCatalog catalog) {
        ExplainWorkerConfig cfg = ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), model, dir.resolve("art"));
        return new OnnxExplanationEngine(cfg, catalog, new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults()));
    }

    @Test
    void shouldStoreRawMapsAndPngsAndReportTheirShape() throws Exception {
        // Given the tiny CNN and two images with masks
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        try (OnnxExplanationEngine engine = engine(model, new ModelCatalog(model))) {
            // When feature maps are explained in one micro-batch
            List<ExplanationEngine.Result> results = engine.explain(List.of(item("a", "1", "featuremaps", 2, 3),
                    item("b", "1", "featuremaps", 9, 9)));

            // Then each has one artifact: the [4,8,8] layer as .npy and a decodable PNG grid, both in the store
            assertEquals(2, results.size());
            for (ExplanationEngine.Result r : results) {
                assertTrue(r.succeeded(), r.failureDetail());
                Artifact a = r.event().getArtifacts(0);
                assertEquals("featuremaps", a.getMethod());
                assertEquals(List.of(4L, 8L, 8L), a.getRawShapeList());
                assertEquals(TinyCnn.LAYER, r.event().getLayer());
                Tensor raw = Npy.fromBytes(engine.store().read(ArtifactId.fromUri(a.getRawUri())).orElseThrow());
                assertArrayEquals(new int[] {4, 8, 8}, raw.shape());
                assertTrue(raw.min() >= 0, "feature maps after ReLU are non-negative");
                assertNotNull(ImageIO.read(new ByteArrayInputStream(engine.store().read(ArtifactId.fromUri(a.getImageUri())).orElseThrow())));
                assertFalse(a.hasFaithfulness(), "feature maps are not a saliency map");
            }
            assertEquals(List.of(new ModelKey("tiny", "1")), engine.openVersions());
        }
    }

    @Test
    void shouldScoreHeatmapsForFaithfulnessAndPlayThePointingGameWhenTheImageHasAMask() throws Exception {
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        try (OnnxExplanationEngine engine = engine(model, new ModelCatalog(model))) {
            // eigencam needs no gradients: a forward-only heatmap at the layer's resolution
            ExplanationEngine.Result r = engine.explain(List.of(item("a", "1", "eigencam", 2, 3))).get(0);
            assertTrue(r.succeeded(), r.failureDetail());
            Artifact a = r.event().getArtifacts(0);
            assertEquals(List.of(8L, 8L), a.getRawShapeList());
            assertTrue(a.hasFaithfulness());
            double del = a.getFaithfulness().getDeletionAuc();
            assertTrue(del >= 0 && del <= 1, "deletion AUC of a probability curve is in [0,1], got " + del);
            assertTrue(a.getFaithfulness().getAverageDrop() >= 0 && a.getFaithfulness().getAverageDrop() <= 1);
            assertTrue(a.getFaithfulness().getHasPointingGame());
        }
    }

    @Test
    void shouldReportAnUnknownModelVersionPerItemAndCloseSessionsOfRetiredVersions() throws Exception {
        Path store = dir.resolve("models");
        TinyCnn.write(store.resolve("tiny").resolve("1").resolve("model.onnx"), "1", 7);
        TinyCnn.write(store.resolve("tiny").resolve("2").resolve("model.onnx"), "2", 8);
        ModelCatalog catalog = new ModelCatalog(store);
        try (OnnxExplanationEngine engine = engine(store, catalog)) {
            catalog.onRetired(engine::retire);
            assertTrue(engine.explain(List.of(item("a", "1", "featuremaps", 1, 1))).get(0).succeeded());
            assertTrue(engine.explain(List.of(item("a", "2", "featuremaps", 1, 1))).get(0).succeeded());
            ExplanationEngine.Result missing = engine.explain(List.of(item("a", "9", "featuremaps", 1, 1))).get(0);
            assertEquals("model-unavailable", missing.failureReason());
            // a version name that tries to walk out of the store is never resolved to a path
            assertEquals("model-unavailable", engine.explain(List.of(item("a", "../../x", "featuremaps", 1, 1))).get(0).failureReason());

            // When version 1 is retired, Then its sessions are closed and it is not reopened
            catalog.retire(new ModelKey("tiny", "1"));
            assertEquals(List.of(new ModelKey("tiny", "2")), engine.openVersions());
            assertEquals("model-unavailable", engine.explain(List.of(item("b", "1", "featuremaps", 1, 1))).get(0).failureReason());
        }
    }

    @Test
    void shouldFailEachItemAsBadMetadataWhenTheModelHasNoPreprocessingContract() throws Exception {
        // Given the tiny CNN without its metadata_props (a raw export)
        Path model = dir.resolve("raw.onnx");
        Files.write(model, TinyCnn.build("1", 7).toBuilder().clearMetadataProps().build().toByteArray());
        try (OnnxExplanationEngine engine = engine(model, new ModelCatalog(model))) {
            // When two of its predictions are explained
            List<ExplanationEngine.Result> results = engine.explain(List.of(item("a", "1", "featuremaps", 2, 3),
                    item("b", "1", "eigencam", 9, 9)));

            // Then each fails alone with requireContract's one line, and no session stays open
            String expected = new MissingModelContractException(model.toString(), ModelMetadataKeys.CONTRACT).getMessage();
            for (ExplanationEngine.Result r : results) {
                assertEquals("bad-metadata", r.failureReason());
                assertEquals(expected, r.failureDetail());
            }
            assertFalse(expected.contains("\n"), "one line");
            assertTrue(expected.contains("./glimpse models import"), expected);
            assertEquals(List.of(), engine.openVersions());
        }
    }

    @Test
    void shouldExplainAModelWithoutConvolutionsByInputGradientsOnlyAndSayWhyCamMethodsFail() throws Exception {
        Path model = dir.resolve("mlp.onnx");
        java.nio.file.Files.write(model, TinyCnn.mlp("1", 3).toByteArray());
        try (OnnxExplanationEngine engine = engine(model, new ModelCatalog(model))) {
            ExplanationEngine.Result cam = engine.explain(List.of(item("a", "1", "gradcam", 2, 2))).get(0);
            assertEquals("bad-request", cam.failureReason());
            assertTrue(cam.failureDetail().contains("4-D"), cam.failureDetail());
            ExplanationEngine.Result saliency = engine.explain(List.of(item("a", "1", "saliency", 2, 2))).get(0);
            assertTrue(saliency.succeeded(), saliency.failureDetail());
            assertEquals(List.of(1L, 16L, 16L), saliency.event().getArtifacts(0).getRawShapeList());
        }
    }

    @Test
    void shouldExplainAMicroBatchTogetherWhileAnUndecodableImageFailsAlone() throws Exception {
        // Given a micro-batch of three Grad-CAM items, the middle one with bytes that are no image
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        ExplainItem good1 = item("a", "1", "gradcam", 2, 3);
        ExplainItem good2 = item("c", "1", "gradcam", 9, 9);
        ExplainItem bad = new ExplainItem(good1.prediction().toBuilder().setImageId("b").build(),
                good1.image().toBuilder().setImageId("b").setData(ByteString.copyFromUtf8("not a png")).build(), "gradcam", 1, "all");
        try (OnnxExplanationEngine engine = engine(model, new ModelCatalog(model))) {
            // When explained together, and each good one alone
            List<ExplanationEngine.Result> together = engine.explain(List.of(good1, bad, good2));
            Tensor alone1 = rawOf(engine, engine.explain(List.of(good1)).get(0));
            Tensor alone2 = rawOf(engine, engine.explain(List.of(good2)).get(0));

            // Then results keep the input order, the bad item fails on its own, and the batched maps equal the single ones
            assertEquals(List.of("a", "b", "c"), together.stream().map(r -> r.item().prediction().getImageId()).toList());
            assertFalse(together.get(1).succeeded());
            assertTrue(together.get(0).succeeded(), together.get(0).failureDetail());
            assertTrue(together.get(2).succeeded(), together.get(2).failureDetail());
            assertArrayEquals(alone1.data(), rawOf(engine, together.get(0)).data(), 1e-5f);
            assertArrayEquals(alone2.data(), rawOf(engine, together.get(2)).data(), 1e-5f);
        }
    }

    @Test
    void shouldGiveTheSameMapsAndScoresWhenEveryMethodOfAMicroBatchGoesInOneCall() throws Exception {
        // Given three images, each asked for the worker's default methods plus saliency (the worker's micro-batch of a
        // poll: one engine call per model version holding every method)
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        List<String> methods = List.of("gradcam", "guided-gradcam", "featuremaps", "saliency");
        int[][] at = {{2, 3}, {9, 9}, {5, 1}};
        List<ExplainItem> batch = new ArrayList<>();
        for (int i = 0; i < at.length; i++) {
            for (String m : methods) {
                batch.add(item("img-" + i, "1", m, at[i][0], at[i][1]));
            }
        }
        try (OnnxExplanationEngine engine = engine(model, new ModelCatalog(model))) {
            // When they are explained together, and each (image, method) on its own (batch of 1, the worker at --batch 1)
            List<ExplanationEngine.Result> together = engine.explain(batch);
            for (int k = 0; k < batch.size(); k++) {
                ExplanationEngine.Result alone = engine.explain(List.of(batch.get(k))).get(0);
                ExplanationEngine.Result inBatch = together.get(k);
                String what = batch.get(k).prediction().getImageId() + " " + batch.get(k).method();

                // Then each result is the item's own, with the same raw map, shape and faithfulness scores
                assertTrue(inBatch.succeeded(), inBatch.failureDetail());
                assertEquals(batch.get(k), inBatch.item(), what);
                Tensor expected = rawOf(engine, alone);
                Tensor actual = rawOf(engine, inBatch);
                assertArrayEquals(expected.shape(), actual.shape(), what);
                assertArrayEquals(expected.data(), actual.data(), 1e-5f, what);
                var fa = alone.event().getArtifacts(0).getFaithfulness();
                var fb = inBatch.event().getArtifacts(0).getFaithfulness();
                assertEquals(fa.getDeletionAuc(), fb.getDeletionAuc(), 1e-5, what + " deletion AUC");
                assertEquals(fa.getAverageDrop(), fb.getAverageDrop(), 1e-5, what + " average drop");
                assertEquals(fa.getPointingGameHit(), fb.getPointingGameHit(), what + " pointing game");
            }
            // and the images differ, so equal maps are not equal by accident
            assertFalse(Arrays.equals(rawOf(engine, together.get(0)).data(), rawOf(engine, together.get(4)).data()));
        }
    }

    private static Tensor rawOf(OnnxExplanationEngine engine, ExplanationEngine.Result r) {
        return Npy.fromBytes(engine.store().read(ArtifactId.fromUri(r.event().getArtifacts(0).getRawUri())).orElseThrow());
    }
}
