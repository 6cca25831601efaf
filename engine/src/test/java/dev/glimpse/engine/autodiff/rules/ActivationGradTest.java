package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;
import org.junit.jupiter.api.Test;

class ActivationGradTest {

    private static final long[] SHAPE = {3, 4, 5};

    private static GradientCheck check(OnnxModel m) {
        return GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {0f}, 2, 3, 4, 5).wrt("x");
    }

    @Test
    void shouldMatchFiniteDifferencesForRelu() throws Exception {
        check(OneOp.unary(17, "Relu", SHAPE)).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForLeakyRelu() throws Exception {
        check(OneOp.unary(17, "LeakyRelu", SHAPE, Attributes.ofFloat("alpha", 0.2f))).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForClipWithMinMaxInputs() throws Exception {
        OnnxModel m = new ModelBuilder(13).input("x", -1, 3, 4, 5).initializer(Tensors.scalar("lo", -0.5f))
                .initializer(Tensors.scalar("hi", 0.7f)).node("Clip", new String[] {"x", "lo", "hi"}, new String[] {"y"})
                .output("y").build();
        GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {-0.5f, 0.7f}, 2, 3, 4, 5).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForRelu6ClipWithOnlyMaxInput() throws Exception {
        OnnxModel m = new ModelBuilder(13).input("x", -1, 3, 4, 5).initializer(Tensors.scalar("hi", 1f))
                .node("Clip", new String[] {"x", "", "hi"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {1f}, 2, 3, 4, 5).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForOpset9ClipWithAttributes() throws Exception {
        OnnxModel m = OneOp.unary(9, "Clip", SHAPE, Attributes.ofFloat("min", 0f), Attributes.ofFloat("max", 0.6f));
        GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {0f, 0.6f}, 2, 3, 4, 5).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForSigmoid() throws Exception {
        check(OneOp.unary(17, "Sigmoid", SHAPE)).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForTanh() throws Exception {
        check(OneOp.unary(17, "Tanh", SHAPE)).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForHardSigmoid() throws Exception {
        OnnxModel m = OneOp.unary(17, "HardSigmoid", SHAPE, Attributes.ofFloat("alpha", 0.3f), Attributes.ofFloat("beta", 0.4f));
        GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {-4f / 3f, 2f}, 2, 3, 4, 5).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForHardSwish() throws Exception {
        OnnxModel m = OneOp.unary(14, "HardSwish", SHAPE);
        GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {-3f, 3f}, 2, 3, 4, 5).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForCeluSeluAndMish() throws Exception {
        check(OneOp.unary(12, "Celu", SHAPE, Attributes.ofFloat("alpha", 0.6f))).verify();
        check(OneOp.unary(9, "Selu", SHAPE)).verify();
        check(OneOp.unary(18, "Mish", SHAPE)).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForGeluExactAndTanhApproximation() throws Exception {
        check(OneOp.unary(20, "Gelu", SHAPE)).verify();
        check(OneOp.unary(20, "Gelu", SHAPE, Attributes.ofString("approximate", "tanh"))).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForElu() throws Exception {
        check(OneOp.unary(17, "Elu", SHAPE, Attributes.ofFloat("alpha", 0.7f))).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForSoftmaxOverLastAxis() throws Exception {
        check(OneOp.unary(17, "Softmax", SHAPE)).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForSoftmaxOverChannelAxis() throws Exception {
        check(OneOp.unary(17, "Softmax", SHAPE, Attributes.ofInt("axis", 1))).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForOpset11SoftmaxWithTwoDimensionalSemantics() throws Exception {
        check(OneOp.unary(11, "Softmax", SHAPE, Attributes.ofInt("axis", 1))).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForLogSoftmax() throws Exception {
        check(OneOp.unary(17, "LogSoftmax", SHAPE, Attributes.ofInt("axis", 2))).verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForLrn() throws Exception {
        OnnxModel m = OneOp.unary(17, "LRN", new long[] {6, 3, 3}, Attributes.ofInt("size", 3),
                Attributes.ofFloat("alpha", 0.5f), Attributes.ofFloat("beta", 0.75f), Attributes.ofFloat("bias", 1.5f));
        GradientCheck.of(m).randomInput("x", 2, 6, 3, 3).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForElementaryFunctions() throws Exception {
        for (String op : new String[] {"Neg", "Exp", "Abs", "Softplus", "Erf"}) {
            check(OneOp.unary(17, op, SHAPE)).verify();
        }
        for (String op : new String[] {"Log", "Sqrt", "Reciprocal"}) {
            OnnxModel m = new ModelBuilder(17).input("x", -1, 3, 4, 5).node("Abs", "x", "ax")
                    .initializer(Tensors.scalar("half", 0.5f)).node("Add", new String[] {"ax", "half"}, new String[] {"p"})
                    .node(op, "p", "y").output("y").build();
            GradientCheck.of(m).randomInputAwayFrom("x", 0.05f, new float[] {0f}, 2, 3, 4, 5).eps(1e-3).wrt("x").verify();
        }
    }
}
