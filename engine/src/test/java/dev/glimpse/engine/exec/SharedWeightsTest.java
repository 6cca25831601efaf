package dev.glimpse.engine.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.autodiff.GradientGraph;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions opened with lent weights compute exactly what sessions with the weights in their model bytes compute, two
 * sessions of one model (its forward pass and its gradient graph) hold one copy of each large weight, and the copy is
 * released when the last of them closes.
 */
class SharedWeightsTest {

    /** x [N,64] → Gemm (W [48,64] = 12 KB, lent) → Relu → Gemm (W [5,48], small, stays inline) → logits. */
    private static OnnxModel model() {
        return new ModelBuilder(13).input("x", -1, 64)
                .initializer("w1", GradientCheck.randn(48 * 64, 1), 48, 64)
                .initializer("b1", GradientCheck.randn(48, 2), 48)
                .initializer("w2", GradientCheck.randn(5 * 48, 3), 5, 48)
                .node("Gemm", new String[] {"x", "w1", "b1"}, new String[] {"h"}, Attributes.ofInt("transB", 1))
                .node("Relu", "h", "r")
                .node("Gemm", new String[] {"r", "w2"}, new String[] {"logits"}, Attributes.ofInt("transB", 1))
                .output("logits").build();
    }

    @Test
    void shouldComputeWithLentWeightsWhatTheInlineWeightsCompute() throws Exception {
        // Given a model with one weight above the lending threshold, its gradient graph, an input and a seed
        OnnxModel m = model();
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("logits").wrt("x", "r").keepActivations("r").build();
        Map<String, Tensor> feeds = Map.of("x", Tensor.of(GradientCheck.randn(2 * 64, 4), 2, 64),
                g.seedOf("logits"), Tensor.of(GradientCheck.randn(2 * 5, 5), 2, 5));
        SharedWeights weights = new SharedWeights();

        // When the forward model and the gradient graph are opened with lent weights, and the gradient graph without
        try (SessionFactory.LentSession forward = SessionFactory.open(m.proto(), OrtSession.SessionOptions.OptLevel.ALL_OPT,
                1, weights);
             GradientSession lent = GradientSession.open(g, OrtSession.SessionOptions.OptLevel.ALL_OPT, weights);
             GradientSession inline = GradientSession.open(g, OrtSession.SessionOptions.OptLevel.ALL_OPT)) {
            // Then both sessions share one copy of the large weight (the small ones stay in the model bytes)
            assertEquals(1, weights.held(), "w1 once, for both sessions");
            assertTrue(forward.lease().modelBytes().length < m.toBytes().length - 48 * 64 * 4 + 1024,
                    "the lent weight's data is left out of the model bytes");
            // and the lent session's every output equals the inline one's, bit for bit
            Map<String, Tensor> expected = inline.run(feeds);
            Map<String, Tensor> actual = lent.run(feeds);
            for (String name : expected.keySet()) {
                assertArrayEquals(expected.get(name).floats(), actual.get(name).floats(), 0f, name);
            }
            try (OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(),
                    FloatBuffer.wrap(feeds.get("x").floats()), new long[] {2, 64});
                 OrtSession.Result r = forward.session().run(Map.of("x", x))) {
                FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] logits = new float[out.remaining()];
                out.get(logits);
                assertArrayEquals(expected.get("logits").floats(), logits, 0f, "the forward pass with lent weights");
            }
        }
        // Then closing the last session that borrowed the weight releases it
        assertEquals(0, weights.held(), "no weight outlives the sessions that borrowed it");
    }

    @Test
    void shouldReadAModelWhoseWeightsStayInTheFilesNativeCopy(@TempDir Path dir) throws Exception {
        // Given a model file
        OnnxModel m = model();
        Path file = dir.resolve("model.onnx");
        Files.write(file, m.toBytes());

        // When it is read for sessions
        ModelProto read = SharedWeights.readModel(file);

        // Then it is the same model, its weights views of native memory (nothing to copy when lent)
        assertEquals(m.proto(), read);
        assertTrue(read.getGraph().getInitializer(0).getRawData().asReadOnlyByteBuffer().isDirect(), "aliased, not copied");
        SharedWeights weights = new SharedWeights();
        try (SessionFactory.LentSession s = SessionFactory.open(read, OrtSession.SessionOptions.OptLevel.ALL_OPT, 1, weights);
             OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(GradientCheck.randn(64, 6)),
                     new long[] {1, 64});
             OrtSession.Result r = s.session().run(Map.of("x", x));
             GradientSession inline = GradientSession.open(m)) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] logits = new float[out.remaining()];
            out.get(logits);
            float[] expected = inline.run(Map.of("x", Tensor.of(GradientCheck.randn(64, 6), 1, 64))).get("logits").floats();
            assertArrayEquals(expected, logits, 0f, "the file's weights, lent in place");
        }
    }
}
