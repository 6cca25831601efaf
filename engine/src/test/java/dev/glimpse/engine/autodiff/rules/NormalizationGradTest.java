package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

class NormalizationGradTest {

    private static ModelBuilder bnInputs(int opset) {
        float[] var = ConvGradTest.randn(3, 13);
        for (int i = 0; i < var.length; i++) {
            var[i] = 0.5f + Math.abs(var[i]);
        }
        return new ModelBuilder(opset).input("x", -1, 3, 4, 4)
                .initializer("scale", ConvGradTest.randn(3, 10), 3).initializer("bias", ConvGradTest.randn(3, 11), 3)
                .initializer("mean", ConvGradTest.randn(3, 12), 3).initializer("var", var, 3);
    }

    @Test
    void shouldMatchFiniteDifferencesForInferenceBatchNormalization() throws Exception {
        OnnxModel m = bnInputs(9).node("BatchNormalization", new String[] {"x", "scale", "bias", "mean", "var"},
                new String[] {"y"}, Attributes.ofFloat("epsilon", 1e-3f)).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 3, 4, 4).wrt("x", "scale", "bias", "mean", "var").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForTrainingModeBatchNormalization() throws Exception {
        OnnxModel m = bnInputs(15).node("BatchNormalization", new String[] {"x", "scale", "bias", "mean", "var"},
                new String[] {"y", "rm", "rv"}, Attributes.ofInt("training_mode", 1)).output("y").build();
        GradientCheck.of(m).randomInput("x", 3, 3, 4, 4).eps(1e-3).wrt("x", "scale", "bias").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForReduceMeanAndSumInAllForms() throws Exception {
        OnnxModel v13 = new ModelBuilder(13).input("x", -1, 3, 4, 5)
                .node("ReduceMean", "x", "m", Attributes.ofInts("axes", 2, 3), Attributes.ofInt("keepdims", 0))
                .longs("ax", 1).node("ReduceSum", new String[] {"x", "ax"}, new String[] {"s"})
                .node("Mul", new String[] {"s", "s"}, new String[] {"s2"})
                .node("ReduceMean", "s2", "t", Attributes.ofInts("axes", 1, 2, 3), Attributes.ofInt("keepdims", 0))
                .node("Unsqueeze", new String[] {"t", "ax"}, new String[] {"tu"})
                .node("Add", new String[] {"m", "tu"}, new String[] {"y"})
                .output("y").build();
        GradientCheck.of(v13).randomInput("x", 2, 3, 4, 5).wrt("x").verify();
        OnnxModel v18 = new ModelBuilder(18).input("x", -1, 3, 4, 5).longs("ax", -1)
                .node("ReduceMean", new String[] {"x", "ax"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(v18).randomInput("x", 2, 3, 4, 5).wrt("x").verify();
        OnnxModel all = new ModelBuilder(17).input("x", -1, 3, 4).node("ReduceSum", "x", "y", Attributes.ofInt("keepdims", 0))
                .output("y").build();
        GradientCheck.of(all).randomInput("x", 2, 3, 4).wrt("x").verify();
    }
}
