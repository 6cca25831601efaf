package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.faithfulness.Road;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker explains token layers [N, T, D] of a vision-transformer-shaped model with the same {@code tokens.*}
 * parameters as {@code ./glimpse explain --param} ({@code explain.params}).
 */
class TokenLayerWorkerTest {

    @TempDir
    Path dir;

    private static ExplainItem item(String id, int x, int y) {
        byte[][] img = TinyCnn.squareImage(x, y);
        ImageEvent image = ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(img[0])).setContentType("image/png")
                .setWidth(16).setHeight(16).setChannels(1).build();
        Prediction p = Prediction.newBuilder().setImageId(id).setModelName("tiny").setModelVersion("1")
                .addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.5f)).build();
        return new ExplainItem(p, image, "gradcam", 1, "all");
    }

    /** The raw Grad-CAM maps of two images explained as one micro-batch at {@code layer} with {@code params}. */
    private List<ExplanationEngine.Result> explain(Path model, String layer, Map<String, String> params) {
        ExplainWorkerConfig cfg = ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), model, dir.resolve("art"))
                .withMethods(List.of("gradcam"), layer)
                .withExplanationOptions(new ExplanationOptions(params, List.of(), Road.DEFAULT_NOISE));
        try (OnnxExplanationEngine engine = new OnnxExplanationEngine(cfg, new ModelCatalog(model),
                new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults()))) {
            return engine.explain(List.of(item("a", 2, 3), item("b", 9, 8)));
        }
    }

    private Tensor raw(ExplanationEngine.Result r) {
        assertTrue(r.succeeded(), r.failureDetail());
        ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
        return Npy.fromBytes(store.read(ArtifactId.fromUri(r.event().getArtifacts(0).getRawUri())).orElseThrow());
    }

    @Test
    void shouldExplainTheTokenLayerOnItsGridAndTakeTheGridFromTheParameters() {
        // Given a model whose 16 patch tokens [N,16,4] are its 4x4 patch map [N,4,4,4] read as a sequence
        Path model = TinyTokenNet.write(dir.resolve("tokens.onnx"), 11);

        // When the worker explains the token layer with no parameter, with tokens.grid=2x8, and the patch map itself
        List<ExplanationEngine.Result> onTokens = explain(model, TinyTokenNet.TOKENS, Map.of());
        List<ExplanationEngine.Result> onTokensAs2x8 = explain(model, TinyTokenNet.TOKENS, Map.of("tokens.grid", "2x8"));
        List<ExplanationEngine.Result> onPatches = explain(model, TinyTokenNet.PATCHES, Map.of());

        for (int i = 0; i < 2; i++) {
            Tensor tokens = raw(onTokens.get(i));
            Tensor patches = raw(onPatches.get(i));
            Tensor regridded = raw(onTokensAs2x8.get(i));
            // Then the token map lies on the 4x4 grid found from the graph, equal to Grad-CAM on the conv patch map
            // (alpha is a mean over the same 16 cells; the tokens are those cells in row-major order)
            assertArrayEquals(new int[] {4, 4}, tokens.shape());
            assertArrayEquals(patches.data(), tokens.data(), 1e-5f, "item " + i);
            assertTrue(max(tokens) > 0, "a map that is not all zero, so the equality says something");
            // And the parameter reaches the library: the same 16 cells, laid out as 2x8
            assertArrayEquals(new int[] {2, 8}, regridded.shape());
            assertArrayEquals(tokens.data(), regridded.data(), 1e-5f, "item " + i);
            assertEquals(List.of(2L, 8L), onTokensAs2x8.get(i).event().getArtifacts(0).getRawShapeList());
        }
    }

    @Test
    void shouldFailItemsWithAGridThatDoesNotFitTheModelNamingTheParameter() {
        Path model = TinyTokenNet.write(dir.resolve("tokens.onnx"), 11);

        // 25 cells for 16 tokens: checked when the model is opened, each item fails with the library's message
        List<ExplanationEngine.Result> results = explain(model, TinyTokenNet.TOKENS, Map.of("tokens.grid", "5x5"));

        for (ExplanationEngine.Result r : results) {
            assertFalse(r.succeeded());
            assertTrue(r.failureDetail().contains("tokens.grid=5x5"), r.failureDetail());
        }
    }

    private static float max(Tensor t) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : t.data()) {
            m = Math.max(m, v);
        }
        return m;
    }
}
