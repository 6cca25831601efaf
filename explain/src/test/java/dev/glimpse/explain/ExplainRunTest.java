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
import dev.glimpse.explain.render.OriginalImage;
import dev.glimpse.explain.testing.GraphBuilder;
import dev.glimpse.explain.testing.TinyCnn;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.Preprocessor;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
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
            assertEquals(Explainer.DEFAULT_LAYER_RULE, s.get("layerRule").asText(), "summary.json names the rule");
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
    void shouldDrawGradCamAtTheOriginalImageSizeNotAtTheModelInputSize(@TempDir Path out) throws Exception {
        // Given a 3-channel 8×8 model and a 300×200 original shrunk to 8×8 by its preprocessing
        GraphBuilder b = new GraphBuilder(2).input("x", 1, 3, 8, 8);
        String relu = b.node("Relu", new String[] {b.node("Conv", new String[] {"x", b.initializer("w", null, 0.5, 4, 3, 3, 3)},
                GraphBuilder.ints("kernel_shape", 3, 3), GraphBuilder.ints("pads", 1, 1, 1, 1))});
        String logits = b.node("Gemm", new String[] {b.node("Flatten", new String[] {b.node("GlobalAveragePool", new String[] {relu})}),
            b.initializer("fc", null, 1, 3, 4)}, GraphBuilder.i("transB", 1));
        var model = b.output(logits).build();
        var facts = new GraphFacts("g", "x", new long[] {-1, 3, 8, 8}, logits, new long[] {-1, 3});
        var preprocessor = new Preprocessor(ModelMetadata.parse(Map.of(ModelMetadataKeys.INPUT_COLOUR, "rgb",
                ModelMetadataKeys.INPUT_SIZE, "8x8", ModelMetadataKeys.INPUT_MEAN, "[0]", ModelMetadataKeys.INPUT_STD, "[1]",
                ModelMetadataKeys.INPUT_RESIZE_MODE, "stretch"), facts));
        byte[] px = new byte[300 * 200 * 3];
        new java.util.Random(1).nextBytes(px);
        OriginalImage original = OriginalImage.of(new DecodedImage(300, 200, 3, px), preprocessor);
        Tensor x = TinyCnn.input(5);
        x = new Tensor(new int[] {1, 3, 8, 8}, java.util.Arrays.copyOf(x.data(), 3 * 64));

        // When gradcam runs with the original given
        try (Explainer e = new Explainer(model, new EngineDifferentiators(), 4)) {
            var settings = new ExplainRun.Settings(null, null, new Options(Map.of()), null, 0, 15,
                    new ExplanationRenderer(Colormap.TURBO, 0.5), original);
            ExplainRun.run(e, x, Methods.parse("gradcam"), settings, out);
        }

        // Then gradcam.png has the original's 300×200 pixels, while the raw map stays at the layer's 8×8
        BufferedImage png = ImageIO.read(out.resolve("gradcam.png").toFile());
        assertEquals(300, png.getWidth());
        assertEquals(200, png.getHeight());
        assertArrayEquals(new int[] {8, 8}, Npy.read(out.resolve("gradcam.npy")).shape());
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
