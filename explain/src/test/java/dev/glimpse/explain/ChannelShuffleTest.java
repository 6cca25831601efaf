package dev.glimpse.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.inspect.ExecutedShapes;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.render.Colormap;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.explain.testing.ChannelShuffleCnn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graphs that keep integer tensors alive (ShuffleNet's Shape→Gather→Reshape→Transpose channel shuffle and its
 * Split): every method runs, and the input gradient through the shuffle equals central finite differences.
 */
class ChannelShuffleTest {

    private static final ChannelShuffleCnn NET = new ChannelShuffleCnn(3);
    private static final ChannelShuffleCnn FOLDED = new ChannelShuffleCnn(3, true);
    private static final Tensor X = ChannelShuffleCnn.input(4);
    /** Every method but the transformer-only attention rollout. */
    private static final List<String> CNN_METHODS = Methods.names().stream().filter(m -> !m.equals("attention-rollout")).toList();

    @Test
    void shouldFindTheShapesOfFloatActivationsAndLeaveTheShapeArithmeticOut() throws Exception {
        Map<String, long[]> shapes = ExecutedShapes.of(NET.model, ExecutedShapes.declaredInputShape(NET.model));

        assertArrayEquals(new long[] {1, 8, 8, 8}, shapes.get(NET.shuffled), "the shuffle keeps [N, C, H, W]");
        String shapeOutput = NET.model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Shape"))
                .findFirst().orElseThrow().getOutput(0);
        assertFalse(shapes.containsKey(shapeOutput), "an int64 Shape output is not an activation");
    }

    @Test
    void shouldRunEveryMethodOnAGraphWithALiveChannelShuffle(@TempDir Path out) throws Exception {
        try (Explainer e = new Explainer(NET.model, new EngineDifferentiators(), 16)) {
            assertEquals(NET.layer, e.defaultLayer(), "the last conv activation, not a shape tensor");
            var options = new Options(Map.of("smoothgrad.samples", "2", "integrated-gradients.steps", "4",
                    "activation-max.steps", "2", "scorecam.batch", "4"));
            var settings = new ExplainRun.Settings(null, null, options, null, 2, 15,
                    new ExplanationRenderer(Colormap.TURBO, 0.5));
            ExplainRun.run(e, X, Methods.parse(String.join(",", CNN_METHODS)), settings, out);
        }
        for (String m : CNN_METHODS) {
            Tensor raw = Npy.read(out.resolve(m + ".npy"));
            assertTrue(raw.data().length > 0, m);
            for (float v : raw.data()) {
                assertTrue(Float.isFinite(v), m + " has a non-finite value");
            }
        }
        assertTrue(Files.size(out.resolve("gradcam.png")) > 100);
    }

    @Test
    void shouldEqualFiniteDifferencesThroughTheShuffle() throws Exception {
        assertSaliencyEqualsFiniteDifferences(NET);
    }

    @Test
    void shouldRunAFixedBatchExportWhoseShuffleTargetsPinTheBatchAtOtherBatchSizes() throws Exception {
        // the finite differences run the forward pass at batch 256 through Reshape targets that say [1, ...]
        assertSaliencyEqualsFiniteDifferences(FOLDED);
    }

    private static void assertSaliencyEqualsFiniteDifferences(ChannelShuffleCnn net) throws Exception {
        try (Explainer e = new Explainer(net.model, new EngineDifferentiators(), 256)) {
            int target = e.logits(X).argmax();
            Tensor saliency = Methods.byName("saliency").explain(e,
                    new ExplanationMethod.Request(X, target, null, new Options(Map.of()))).raw();
            int n = X.data().length;
            // all +h and -h perturbations in one batch
            float h = 1e-2f;
            float[] batch = new float[2 * n * n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(X.data(), 0, batch, (2 * i) * n, n);
                System.arraycopy(X.data(), 0, batch, (2 * i + 1) * n, n);
                batch[(2 * i) * n + i] += h;
                batch[(2 * i + 1) * n + i] -= h;
            }
            int[] shape = X.shape().clone();
            shape[0] = 2 * n;
            Tensor logits = e.forward(new Tensor(shape, batch), List.of()).get(e.logitsName());
            int k = logits.dim(1);
            double dot = 0;
            double aa = 0;
            double bb = 0;
            for (int i = 0; i < n; i++) {
                double fd = (logits.data()[(2 * i) * k + target] - logits.data()[(2 * i + 1) * k + target]) / (2.0 * h);
                double g = saliency.data()[i];
                dot += fd * g;
                aa += fd * fd;
                bb += g * g;
            }
            double cosine = dot / Math.sqrt(aa * bb);
            // float32 central differences across ReLU kinks: 0.9998 here; a wrong channel permutation gives far less
            assertTrue(cosine > 0.999, "input gradient vs finite differences: cosine " + cosine);
            assertEquals(Math.sqrt(aa), Math.sqrt(bb), 1e-2 * Math.sqrt(aa), "gradient norm");
        }
    }
}
