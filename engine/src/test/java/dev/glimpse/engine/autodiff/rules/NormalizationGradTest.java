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

    @Test
    void shouldMatchFiniteDifferencesForLayerNormalizationOverTheLastAxis() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 5, 6).initializer("scale", ConvGradTest.randn(6, 20), 6)
                .initializer("bias", ConvGradTest.randn(6, 21), 6)
                .node("LayerNormalization", new String[] {"x", "scale", "bias"}, new String[] {"y"},
                        Attributes.ofFloat("epsilon", 1e-3f)).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 5, 6).eps(1e-3).wrt("x", "scale", "bias").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForLayerNormalizationOverSeveralAxesWithoutBias() throws Exception {
        // ConvNeXt-style: a channels-last [N, H, W, C] map normalised over (W, C) with the statistics outputs named
        OnnxModel m = new ModelBuilder(17).input("x", -1, 3, 4, 5).initializer("scale", ConvGradTest.randn(20, 22), 4, 5)
                .node("LayerNormalization", new String[] {"x", "scale"}, new String[] {"y", "mean", "istd"},
                        Attributes.ofInt("axis", -2)).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 3, 4, 5).eps(1e-3).wrt("x", "scale").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForInstanceNormalization() throws Exception {
        OnnxModel m = new ModelBuilder(9).input("x", -1, 3, 4, 5).initializer("scale", ConvGradTest.randn(3, 23), 3)
                .initializer("bias", ConvGradTest.randn(3, 24), 3)
                .node("InstanceNormalization", new String[] {"x", "scale", "bias"}, new String[] {"y"},
                        Attributes.ofFloat("epsilon", 1e-4f)).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 3, 4, 5).eps(1e-3).wrt("x", "scale", "bias").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForGroupNormalizationPerChannel() throws Exception {
        OnnxModel m = new ModelBuilder(21).input("x", -1, 6, 3, 4).initializer("scale", ConvGradTest.randn(6, 25), 6)
                .initializer("bias", ConvGradTest.randn(6, 26), 6)
                .node("GroupNormalization", new String[] {"x", "scale", "bias"}, new String[] {"y"},
                        Attributes.ofInt("num_groups", 3)).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 6, 3, 4).eps(1e-3).wrt("x", "scale", "bias").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForOpset18GroupNormalizationPerGroup() throws Exception {
        OnnxModel m = new ModelBuilder(18).input("x", -1, 6, 3, 4).initializer("scale", ConvGradTest.randn(2, 27), 2)
                .initializer("bias", ConvGradTest.randn(2, 28), 2)
                .node("GroupNormalization", new String[] {"x", "scale", "bias"}, new String[] {"y"},
                        Attributes.ofInt("num_groups", 2)).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 6, 3, 4).eps(1e-3).wrt("x", "scale", "bias").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForReduceMaxMinAndL2() throws Exception {
        OnnxModel v13 = new ModelBuilder(13).input("x", -1, 3, 4, 5)
                .node("ReduceMax", "x", "mx", Attributes.ofInts("axes", 2, 3), Attributes.ofInt("keepdims", 0))
                .node("ReduceMin", "x", "mn", Attributes.ofInts("axes", -1), Attributes.ofInt("keepdims", 0))
                .node("ReduceL2", "x", "l2", Attributes.ofInts("axes", 1, 3), Attributes.ofInt("keepdims", 1))
                .node("ReduceSum", "mn", "smn", Attributes.ofInt("keepdims", 0))
                .node("ReduceSum", "l2", "sl2", Attributes.ofInt("keepdims", 0))
                .node("Add", new String[] {"smn", "sl2"}, new String[] {"t"})
                .node("Add", new String[] {"mx", "t"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(v13).randomInput("x", 2, 3, 4, 5).wrt("x").verify();
        OnnxModel v18 = new ModelBuilder(18).input("x", -1, 3, 4, 5).longs("ax", 1)
                .node("ReduceMax", new String[] {"x", "ax"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(v18).randomInput("x", 2, 3, 4, 5).wrt("x").verify();
    }
}
