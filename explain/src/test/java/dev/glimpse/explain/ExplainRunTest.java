package dev.glimpse.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.gradient.Differentiator;
import dev.glimpse.explain.gradient.DifferentiatorFactory;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.gradient.LayerGradients;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.render.Colormap;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.explain.testing.TinyCnn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainRunTest {

    @Test
    void shouldWriteRawArraysPngsAndSummaryWithFaithfulnessAndPointingGame(@TempDir Path out) throws Exception {
        TinyCnn net = new TinyCnn(11);
        Tensor x = TinyCnn.input(5);
        Tensor mask = Tensor.zeros(TinyCnn.H, TinyCnn.W);
        java.util.Arrays.fill(mask.data(), 1);
        try (Explainer e = new Explainer(net.model, new EngineDifferentiators(), 16)) {
            var settings = new ExplainRun.Settings(null, null, new Options(Map.of("smoothgrad.samples", "4")), mask, 4, 15,
                    new ExplanationRenderer(Colormap.TURBO, 0.5));
            ExplainRun.run(e, x, Methods.parse("gradcam,saliency,smoothgrad,featuremaps"), settings, out);
            int top1 = e.logits(x).argmax();

            JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
            assertEquals(top1, s.get("target").asInt(), "default target is the top-1 class");
            assertEquals(net.layer, s.get("layer").asText(), "default layer is the last spatial activation");
            assertEquals(TinyCnn.CLASSES, s.get("probabilities").size());
            assertEquals(4, s.get("parameters").get("smoothgrad.samples").asInt());
            JsonNode f = s.get("methods").get("gradcam").get("faithfulness");
            assertTrue(f.get("deletionAuc").isNumber() && f.get("insertionAuc").isNumber());
            assertTrue(f.get("pointingGameHit").asBoolean(), "a full mask always contains the maximum");
            assertTrue(s.get("timingsMs").get("saliency").asDouble() >= 0);
            assertTrue(!s.get("methods").get("featuremaps").has("faithfulness"), "feature maps are not a heatmap");
        }
        assertArrayEquals(new int[] {TinyCnn.H, TinyCnn.W}, Npy.read(out.resolve("gradcam.npy")).shape());
        assertArrayEquals(new int[] {TinyCnn.C, TinyCnn.H, TinyCnn.W}, Npy.read(out.resolve("saliency.npy")).shape());
        assertArrayEquals(new int[] {TinyCnn.K, TinyCnn.H, TinyCnn.W}, Npy.read(out.resolve("featuremaps.npy")).shape());
        for (String m : new String[] {"gradcam", "saliency", "smoothgrad", "featuremaps"}) {
            assertTrue(Files.size(out.resolve(m + ".png")) > 100, m + ".png");
        }
    }

    @Test
    void shouldBuildEverySessionBeforeTimingAndScoreRoadWhenAsked(@TempDir Path out) throws Exception {
        // Given every method that needs sessions, and a factory that counts the gradient sessions it builds
        TinyCnn net = new TinyCnn(11);
        Tensor x = TinyCnn.input(5);
        int[] built = new int[2];
        EngineDifferentiators engine = new EngineDifferentiators();
        DifferentiatorFactory counting = new DifferentiatorFactory() {
            @Override
            public Differentiator create(Onnx.ModelProto model, String logits, String layer, ReluRule rule, boolean inputGradient)
                    throws OrtException {
                built[0]++;
                return engine.create(model, logits, layer, rule, inputGradient);
            }

            @Override
            public LayerGradients createLayerGradients(Onnx.ModelProto model, String logits, List<String> layers)
                    throws OrtException {
                built[1]++;
                return engine.createLayerGradients(model, logits, layers);
            }
        };
        var methods = Methods.parse("cam,gradcam,gradcam++,layercam,xgradcam,hirescam,scorecam,eigencam,eigengradcam,"
                + "ablationcam,fullgrad,saliency,gradxinput,guided,deconvnet,guided-gradcam,smoothgrad,"
                + "integrated-gradients,occlusion,featuremaps,filters,activation-max");
        try (Explainer e = new Explainer(net.model, counting, 16)) {
            double first = e.prepare(methods, net.layer);
            int[] afterPrepare = built.clone();
            // When the run explains with all of them (and scores ROAD)
            var settings = new ExplainRun.Settings(null, null, new Options(Map.of("smoothgrad.samples", "2",
                    "integrated-gradients.steps", "4", "activation-max.steps", "2")), null, 2, 15, new ExplanationRenderer(Colormap.TURBO, 0.5), null,
                    new int[] {20, 50}, 0.01);
            ExplainRun.run(e, x, methods, settings, out);
            // Then no method built a session that prepare had not built: the method timings are the methods' own
            assertArrayEquals(afterPrepare, built, "sessions built by the methods themselves");
            assertEquals(5, afterPrepare[0],
                    "standard at the layer; standard, guided and deconvnet at the input; the layer's units (activation-max)");
            assertEquals(1, afterPrepare[1], "FullGrad's multi-layer gradient session");
            assertTrue(first > 0);
            JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
            assertTrue(s.get("timingsMs").has("sessions"), "the build time is reported apart");
            JsonNode road = s.get("methods").get("ablationcam").get("faithfulness").get("road");
            assertEquals(2, road.get("morf").size());
            assertEquals((road.get("lerfMean").asDouble() - road.get("morfMean").asDouble()) / 2,
                    road.get("combined").asDouble(), 1e-9);
            assertArrayEquals(new int[] {TinyCnn.H, TinyCnn.W}, Npy.read(out.resolve("fullgrad.npy")).shape());
        }
    }
}
