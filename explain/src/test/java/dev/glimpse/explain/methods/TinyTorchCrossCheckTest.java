package dev.glimpse.explain.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.io.Npy;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The always-on part of the PyTorch cross-check: three small models exported by
 * explain/src/test/python/tiny_torch_references.py together with PyTorch autograd's maps (committed under
 * src/test/resources/torch-crosscheck), and glimpse's maps compared with them (cosine similarity ≥ 0.999, same
 * shape). A token ViT (Grad-CAM on the patch grid at the default layer, attention rollout), ConvNeXt blocks at opset 17
 * (LayerNormalization, Erf-GELU, channels-last permutes) and ShuffleNet v2 units (a live Shape → Reshape → Transpose
 * channel shuffle), each with saliency and integrated gradients, guided backprop where every ReLU is one. The full
 * torchvision list (crosscheck_torch.py) stays dev-only: it takes minutes per model.
 */
class TinyTorchCrossCheckTest {

    private static final double MIN_COSINE = 0.999;

    @ParameterizedTest
    @ValueSource(strings = {"tiny_vit", "tiny_convnext", "tiny_shufflenet"})
    void shouldMatchPyTorchAutograd(String model) throws Exception {
        // Given the exported model, its input and PyTorch's maps
        Path dir = resource(model);
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("meta.json").toFile());
        int target = meta.get("target").asInt();
        String layer = meta.get("layer").isNull() ? null : meta.get("layer").asText();
        Options options = new Options(Map.of("integrated-gradients.steps", meta.get("integratedGradientsSteps").asText()));
        Tensor input = Npy.read(dir.resolve("input.npy"));
        List<String> failures = new ArrayList<>();
        try (Explainer explainer = open(model)) {
            // the forward pass agrees on the class the references explain
            float[] logits = explainer.logits(input).data();
            assertEquals(target, argmax(logits), "top-1 class of " + model);
            String used = layer != null ? layer : explainer.defaultLayer();
            // When each method runs as ./glimpse explain runs it
            for (JsonNode m : meta.get("methods")) {
                String method = m.asText();
                Tensor expected = Npy.read(dir.resolve(method + ".npy"));
                Tensor actual = Methods.byName(method).explain(explainer,
                        new ExplanationMethod.Request(input, target, used, options)).raw();
                // Then its raw array has PyTorch's shape and direction
                assertArrayEquals(expected.shape(), actual.shape(), model + " " + method + " shape");
                assertTrue(norm(expected) > 0, model + " " + method + ": the reference is not all zero");
                double cos = cosine(expected, actual);
                System.out.printf("%s %s cos %.6f%n", model, method, cos);
                if (!(cos >= MIN_COSINE)) {
                    failures.add(method + " cos " + cos);
                }
            }
        }
        assertTrue(failures.isEmpty(), model + ": " + failures);
    }

    @Test
    void shouldRunAGraphThatKeepsItsExportedBatchOneInputPerCall() throws Exception {
        // Given torch's multi-head attention, exported at batch 1: its Reshape targets hold N·heads as a constant
        try (Explainer vit = open("tiny_vit"); Explainer convnext = open("tiny_convnext")) {
            // Then batched calls (integrated gradients' steps, occlusion's windows) go one input at a time
            assertEquals(1, vit.maxBatch(), "the ViT's attention reshapes pin the batch");
            // while a graph whose shapes follow the batch keeps the configured batch
            assertEquals(16, convnext.maxBatch());
            Tensor two = Batches.repeat(Npy.read(resource("tiny_vit").resolve("input.npy")), 2);
            float[] logits = vit.logits(two).data();
            assertEquals(20, logits.length, "two inputs give two rows of logits");
            assertArrayEquals(Arrays.copyOfRange(logits, 0, 10), Arrays.copyOfRange(logits, 10, 20), 1e-5f);
        }
    }

    /** As {@code ./glimpse explain} opens it: sessions at ONNX Runtime's basic optimisations (fast to open). */
    private static Explainer open(String model) throws Exception {
        return new Explainer(Onnx.ModelProto.parseFrom(Files.readAllBytes(resource(model).resolve("model.onnx"))),
                EngineDifferentiators.forFewCalls(), 16);
    }

    private static Path resource(String model) throws URISyntaxException {
        return Path.of(TinyTorchCrossCheckTest.class.getResource("/torch-crosscheck/" + model + "/meta.json").toURI())
                .getParent();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (float v : t.data()) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static double cosine(Tensor a, Tensor b) {
        double dot = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += (double) a.data()[i] * b.data()[i];
        }
        return dot / (norm(a) * norm(b));
    }
}
