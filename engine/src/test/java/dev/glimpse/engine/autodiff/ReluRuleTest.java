package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The modified ReLU rules, checked against the design's definitions elementwise. */
class ReluRuleTest {

    private static final float[] X = {-2f, -0.5f, 0.5f, 2f, -1f, 1f};
    private static final float[] SEED = {1f, -1f, 1f, -1f, -3f, 3f};

    private static float[] grad(OnnxModel m, ReluRule rule) throws Exception {
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("y").wrt("x").reluRule(rule).build();
        try (GradientSession s = GradientSession.open(g)) {
            return s.run(Map.of("x", Tensor.of(X, 1, 6), g.seedOf("y"), Tensor.of(SEED, 1, 6))).get(g.gradientOf("x")).floats();
        }
    }

    private static OnnxModel relu() {
        return new ModelBuilder(17).input("x", -1, 6).node("Relu", "x", "y").output("y").build();
    }

    private static OnnxModel relu6() {
        return new ModelBuilder(17).input("x", -1, 6).initializer(Tensors.scalar("lo", 0f)).initializer(Tensors.scalar("hi", 6f))
                .node("Clip", new String[] {"x", "lo", "hi"}, new String[] {"y"}).output("y").build();
    }

    @Test
    void shouldPassGradientOnlyWherePositiveInputAndPositiveGradientForGuidedRule() throws Exception {
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = X[i] > 0 && SEED[i] > 0 ? SEED[i] : 0f;
        }
        assertArrayEquals(expected, grad(relu(), ReluRule.GUIDED), 0f);
        assertArrayEquals(expected, grad(relu6(), ReluRule.GUIDED), 0f);
    }

    @Test
    void shouldPassOnlyPositiveGradientRegardlessOfInputForDeconvnetRule() throws Exception {
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = Math.max(SEED[i], 0f);
        }
        assertArrayEquals(expected, grad(relu(), ReluRule.DECONVNET), 0f);
        assertArrayEquals(expected, grad(relu6(), ReluRule.DECONVNET), 0f);
    }

    @Test
    void shouldPassGradientWherePositiveInputForStandardRule() throws Exception {
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = X[i] > 0 ? SEED[i] : 0f;
        }
        assertArrayEquals(expected, grad(relu(), ReluRule.STANDARD), 0f);
    }
}
