package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientGraphBuilderTest {

    @Test
    void shouldNameEveryUnsupportedOperatorBeforeAnythingRuns() {
        // Given a path through two operators without gradient rules
        OnnxModel m = new ModelBuilder(17).input("x", -1, 4).node("Sin", "x", "s").node("Cos", "s", "c")
                .node("Relu", "c", "y").output("y").build();
        // When building, Then both are named
        UnsupportedOperatorException e = assertThrows(UnsupportedOperatorException.class,
                () -> GradientGraphBuilder.forModel(m).differentiate("y").wrt("x").build());
        assertEquals(java.util.Set.of("Cos", "Sin"), e.opTypes());
        assertTrue(e.getMessage().contains("Cos, Sin"), e.getMessage());
    }

    @Test
    void shouldIgnoreUnsupportedOperatorsOffTheDifferentiatedPath() throws Exception {
        // Sin only feeds a second output, not the differentiated one
        OnnxModel m = new ModelBuilder(17).input("x", -1, 4).node("Sin", "x", "s").node("Relu", "x", "y")
                .output("y").output("s").build();
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("y").wrt("x").build();
        assertEquals("grad:x", g.gradientOf("x"));
    }

    @Test
    void shouldRejectUnknownTensorNamesWithTheName() {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 4).node("Relu", "x", "y").output("y").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientGraphBuilder.forModel(m).differentiate("y").wrt("nope").build());
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void shouldServeAnyBatchSizeAndSeedFromOneSession() throws Exception {
        // Given a tiny conv classifier whose activation and input gradients are requested
        OnnxModel m = new ModelBuilder(17).input("x", -1, 1, 5, 5).initializer("w", GradientCheck.randn(2 * 9, 1), 2, 1, 3, 3)
                .node("Conv", new String[] {"x", "w"}, new String[] {"a"}, Attributes.ofInts("pads", 1, 1, 1, 1))
                .node("Relu", "a", "r").node("GlobalAveragePool", "r", "p").node("Flatten", "p", "logits")
                .output("logits").build();
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("logits").wrt("x", "a").keepActivations("a").build();
        try (GradientSession s = GradientSession.open(g)) {
            for (int batch : new int[] {1, 4}) {
                float[] seed = new float[batch * 2];
                for (int i = 0; i < batch; i++) {
                    seed[i * 2 + (i % 2)] = 1f;
                }
                Map<String, Tensor> r = s.run(Map.of("x", Tensor.of(GradientCheck.randn(batch * 25, batch), batch, 1, 5, 5),
                        g.seedOf("logits"), Tensor.of(seed, batch, 2)));
                assertArrayEquals(new long[] {batch, 1, 5, 5}, r.get(g.gradientOf("x")).shape());
                assertArrayEquals(new long[] {batch, 2, 5, 5}, r.get(g.gradientOf("a")).shape());
                assertArrayEquals(new long[] {batch, 2, 5, 5}, r.get("a").shape());
            }
        }
        assertArrayEquals(new long[] {-1, 2, 5, 5}, g.shape("a"));
    }

    @Test
    void shouldKeepRequestedTensorsThatFoldingWouldRemove() throws Exception {
        // Given a wrt tensor that is the output of an Identity (which folding removes)
        OnnxModel m = new ModelBuilder(17).input("x", -1, 3).node("Identity", "x", "alias").node("Tanh", "alias", "y")
                .output("y").build();
        // When differentiating w.r.t. it, Then its gradient is 1 - tanh^2
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("y").wrt("alias").build();
        try (GradientSession s = GradientSession.open(g)) {
            float[] x = {0.5f, -1f, 2f};
            float[] d = s.run(Map.of("x", Tensor.of(x, 1, 3), g.seedOf("y"), Tensor.of(new float[] {1, 1, 1}, 1, 3)))
                    .get(g.gradientOf("alias")).floats();
            for (int i = 0; i < 3; i++) {
                double t = Math.tanh(x[i]);
                assertEquals(1 - t * t, d[i], 1e-6);
            }
        }
    }

    @Test
    void shouldOpenThroughTheRuntimeOnTheRequestedDevice() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 3).node("Tanh", "x", "y").output("y").build();
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("y").wrt("x").build();
        try (GradientSession s = GradientSession.open(g, dev.glimpse.runtime.ExecutionDevice.CPU,
                dev.glimpse.runtime.SessionTuning.defaults())) {
            assertEquals("cpu", s.device());
            float[] d = s.run(Map.of("x", Tensor.of(new float[] {0f, 0f, 0f}, 1, 3), g.seedOf("y"),
                    Tensor.of(new float[] {1, 2, 3}, 1, 3))).get(g.gradientOf("x")).floats();
            assertArrayEquals(new float[] {1, 2, 3}, d, 1e-6f);
        }
    }
}
