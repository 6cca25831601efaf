package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;
import org.junit.jupiter.api.Test;

class ShapeOpsGradTest {

    private static final long[] X = {2, 3, 4, 5};

    /** x → Sigmoid (so the seed sees a non-trivial function) → op → y. */
    private static ModelBuilder withSigmoid(int opset) {
        return new ModelBuilder(opset).input("x", -1, 3, 4, 5).node("Sigmoid", "x", "s");
    }

    @Test
    void shouldMatchFiniteDifferencesForFlattenAtEveryAxis() throws Exception {
        for (int axis : new int[] {1, 2, -1}) {
            OnnxModel m = withSigmoid(17).node("Flatten", "s", "y", Attributes.ofInt("axis", axis)).output("y").build();
            GradientCheck.of(m).randomInput("x", X).wrt("x").verify();
        }
    }

    @Test
    void shouldMatchFiniteDifferencesForReshapeWithZeroAndMinusOne() throws Exception {
        OnnxModel m = withSigmoid(17).longs("shape", 0, -1, 10).node("Reshape", new String[] {"s", "shape"}, new String[] {"y"})
                .output("y").build();
        GradientCheck.of(m).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForSqueezeAndUnsqueezeInBothOpsetForms() throws Exception {
        OnnxModel v11 = withSigmoid(11).node("Unsqueeze", "s", "u", Attributes.ofInts("axes", 2))
                .node("Squeeze", "u", "y", Attributes.ofInts("axes", 2)).output("y").build();
        GradientCheck.of(v11).randomInput("x", X).wrt("x").verify();
        OnnxModel v13 = withSigmoid(13).longs("ax", 0).longs("ax2", 0)
                .node("Unsqueeze", new String[] {"s", "ax"}, new String[] {"u"})
                .node("Squeeze", new String[] {"u", "ax2"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(v13).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForTranspose() throws Exception {
        OnnxModel m = withSigmoid(17).node("Transpose", "s", "y", Attributes.ofInts("perm", 0, 2, 3, 1)).output("y").build();
        GradientCheck.of(m).randomInput("x", X).wrt("x").verify();
        OnnxModel rev = withSigmoid(17).node("Transpose", "s", "y").output("y").build();
        GradientCheck.of(rev).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForConcatAlongChannels() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("a", -1, 3, 4).input("b", -1, 2, 4).node("Tanh", "a", "ta")
                .node("Concat", new String[] {"ta", "b", "ta"}, new String[] {"y"}, Attributes.ofInt("axis", 1)).output("y").build();
        GradientCheck.of(m).randomInput("a", 2, 3, 4).randomInput("b", 2, 2, 4).wrt("a", "b").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForSplitInEveryOpsetForm() throws Exception {
        OnnxModel v11 = withSigmoid(11).node("Split", new String[] {"s"}, new String[] {"p", "q"}, Attributes.ofInt("axis", 1),
                Attributes.ofInts("split", 1, 2)).node("Mul", new String[] {"q", "q"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(v11).randomInput("x", X).wrt("x").verify();
        OnnxModel v13 = withSigmoid(13).longs("sp", 3, 2).node("Split", new String[] {"s", "sp"}, new String[] {"p", "q"},
                Attributes.ofInt("axis", -1)).node("Concat", new String[] {"q", "p"}, new String[] {"y"}, Attributes.ofInt("axis", -1))
                .output("y").build();
        GradientCheck.of(v13).randomInput("x", X).wrt("x").verify();
        OnnxModel v18 = withSigmoid(18).node("Split", new String[] {"s"}, new String[] {"p", "q"}, Attributes.ofInt("axis", 2),
                Attributes.ofInt("num_outputs", 2)).node("Sub", new String[] {"p", "q"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(v18).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForSliceWithUnitNegativeAndLargeSteps() throws Exception {
        OnnxModel unit = withSigmoid(13).longs("st", 1, -4).longs("en", 3, 100).longs("ax", 1, 3)
                .node("Slice", new String[] {"s", "st", "en", "ax"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(unit).randomInput("x", X).wrt("x").verify();
        OnnxModel strided = withSigmoid(13).longs("st", 0, 4).longs("en", 5, -100).longs("ax", 3, 2).longs("sp", 2, -3)
                .node("Slice", new String[] {"s", "st", "en", "ax", "sp"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(strided).randomInput("x", X).wrt("x").verify();
        OnnxModel v9 = withSigmoid(9).node("Slice", "s", "y", Attributes.ofInts("starts", 1), Attributes.ofInts("ends", 3),
                Attributes.ofInts("axes", 2)).output("y").build();
        GradientCheck.of(v9).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForPadWithPositiveAndNegativePads() throws Exception {
        OnnxModel m = withSigmoid(13).longs("pads", 0, 1, 2, 0, 0, 0, -1, 1).initializer(Tensors.scalar("v", 0.5f))
                .node("Pad", new String[] {"s", "pads", "v"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(m).randomInput("x", X).wrt("x").verify();
        OnnxModel v9 = withSigmoid(9).node("Pad", "s", "y", Attributes.ofInts("pads", 0, 0, 1, 1, 0, 0, 1, 1)).output("y").build();
        GradientCheck.of(v9).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldPassGradientThroughIdentityAndInferenceDropout() throws Exception {
        OnnxModel m = withSigmoid(13).node("Identity", "s", "i").node("Dropout", new String[] {"i"}, new String[] {"y"})
                .output("y").build();
        GradientCheck.of(m).randomInput("x", X).wrt("x").verify();
    }

    @Test
    void shouldScaleByTheMaskForTrainingModeDropout() throws Exception {
        // Given a training Dropout whose mask is also an output, When differentiating, Then dX = dY * mask / (1 - ratio)
        OnnxModel m = new ModelBuilder(13).input("x", -1, 50).initializer(Tensors.scalar("ratio", 0.2f))
                .initializer(dev.glimpse.engine.onnx.Onnx.TensorProto.newBuilder().setName("train").setDataType(dev.glimpse.engine.onnx.Onnx.TensorProto.DataType.BOOL_VALUE).addInt32Data(1).build()).node("Dropout", new String[] {"x", "ratio", "train"}, new String[] {"y", "mask"})
                .output("y").output("mask", dev.glimpse.engine.onnx.Onnx.TensorProto.DataType.BOOL_VALUE).build();
        dev.glimpse.engine.autodiff.GradientGraph g = dev.glimpse.engine.autodiff.GradientGraphBuilder.forModel(m)
                .differentiate("y").wrt("x").build();
        float[] ones = new float[100];
        java.util.Arrays.fill(ones, 1f);
        try (dev.glimpse.engine.exec.GradientSession s = dev.glimpse.engine.exec.GradientSession.open(g)) {
            var r = s.run(java.util.Map.of("x", dev.glimpse.engine.exec.Tensor.of(ones, 2, 50),
                    g.seedOf("y"), dev.glimpse.engine.exec.Tensor.of(ones, 2, 50)));
            float[] mask = r.get("mask").floats();
            float[] dx = r.get(g.gradientOf("x")).floats();
            int dropped = 0;
            for (int i = 0; i < 100; i++) {
                org.junit.jupiter.api.Assertions.assertEquals(mask[i] / 0.8f, dx[i], 1e-6f);
                dropped += mask[i] == 0 ? 1 : 0;
            }
            org.junit.jupiter.api.Assertions.assertTrue(dropped > 0 && dropped < 100, "some but not all dropped: " + dropped);
        }
    }
}
