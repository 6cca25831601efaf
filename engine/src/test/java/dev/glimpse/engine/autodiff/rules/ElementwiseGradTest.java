package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

class ElementwiseGradTest {

    private static void check(String op, long[] a, long[] b) throws Exception {
        long[] fa = a.clone();
        long[] fb = b.clone();
        if (fa.length == 4 && fa[0] < 0) {
            fa[0] = 2;
        }
        if (fb.length == 4 && fb[0] < 0) {
            fb[0] = 2;
        }
        GradientCheck c = GradientCheck.of(OneOp.binary(17, op, a, b)).randomInput("a", fa).wrt("a", "b");
        if (op.equals("Div")) {
            // keep the divisor away from zero
            c.randomInputAwayFrom("b", 0.5f, new float[] {0f}, fb).eps(1e-3);
        } else {
            c.randomInput("b", fb);
        }
        c.verify();
    }

    @Test
    void shouldSumBroadcastAxesForAddSubMulDiv() throws Exception {
        for (String op : new String[] {"Add", "Sub", "Mul", "Div"}) {
            check(op, new long[] {-1, 3, 4, 5}, new long[] {-1, 3, 4, 5});
            check(op, new long[] {-1, 3, 4, 5}, new long[] {3, 1, 1});
            check(op, new long[] {-1, 3, 4, 5}, new long[] {1, 3, 1, 5});
            check(op, new long[] {-1, 3, 4, 5}, new long[] {5});
            check(op, new long[] {-1, 3, 4, 5}, new long[] {});
        }
    }

    @Test
    void shouldSumTheBatchAxisWhenTheOtherOperandHasBatchOne() throws Exception {
        check("Mul", new long[] {1, 3, 4, 5}, new long[] {-1, 3, 1, 1});
    }

    @Test
    void shouldAccumulateGradientWhenATensorFeedsBothOperands() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 3, 4).node("Mul", new String[] {"x", "x"}, new String[] {"sq"})
                .node("Add", new String[] {"sq", "x"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 3, 4).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForVariadicSum() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("a", -1, 3, 4).input("b", 4).input("c", 1, 3, 1)
                .node("Sum", new String[] {"a", "b", "c"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(m).randomInput("a", 2, 3, 4).randomInput("b", 4).randomInput("c", 1, 3, 1).wrt("a", "b", "c").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForPowWhereAndExpand() throws Exception {
        OnnxModel pow = new ModelBuilder(17).input("a", -1, 3).input("b", 3).node("Abs", "a", "pa")
                .node("Pow", new String[] {"pa", "b"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(pow).randomInputAwayFrom("a", 0.3f, new float[] {0f}, 2, 3).randomInput("b", 3).eps(1e-3).wrt("a", "b").verify();

        OnnxModel where = new ModelBuilder(17).input("a", -1, 3).input("b", 3).node("Greater", new String[] {"a", "b"}, new String[] {"c"})
                .node("Where", new String[] {"c", "a", "b"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(where).randomInput("a", 4, 3).randomInput("b", 3).wrt("a", "b").verify();

        OnnxModel expand = new ModelBuilder(17).input("a", 3, 1).longs("shape", 2, 3, 4)
                .node("Expand", new String[] {"a", "shape"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(expand).randomInput("a", 3, 1).wrt("a").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForMeanMaxAndMin() throws Exception {
        for (String op : new String[] {"Mean", "Max", "Min"}) {
            OnnxModel m = new ModelBuilder(17).input("a", -1, 3, 4).input("b", 4).input("c", 3, 1)
                    .node(op, new String[] {"a", "b", "c"}, new String[] {"y"}).output("y").build();
            GradientCheck.of(m).randomInput("a", 2, 3, 4).randomInput("b", 4).randomInput("c", 3, 1).eps(1e-3).wrt("a", "b", "c").verify();
        }
    }

    @Test
    void shouldScatterAddGatherGradientIncludingRepeatedAndNegativeIndices() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 5, 3).initializer(dev.glimpse.engine.graph.Tensors.longs("i", new long[] {4, 0, -1, 2}, 2, 2))
                .node("Gather", new String[] {"x", "i"}, new String[] {"y"}, dev.glimpse.engine.graph.Attributes.ofInt("axis", 1))
                .output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 5, 3).wrt("x").verify();
        OnnxModel scalar = new ModelBuilder(17).input("x", -1, 5).initializer(dev.glimpse.engine.graph.Tensors.longs("i", new long[] {3}))
                .node("Gather", new String[] {"x", "i"}, new String[] {"y"}, dev.glimpse.engine.graph.Attributes.ofInt("axis", 1))
                .output("y").build();
        GradientCheck.of(scalar).randomInput("x", 2, 5).wrt("x").verify();
    }

    @Test
    void shouldTakeAClassTokenGradientThroughGatherIntoALinearHead() throws Exception {
        // a ViT head: Gather(axis 1, scalar 0) of [N, T, D] then Gemm (ONNX Runtime once mis-shaped the identity
        // Transpose the rule put between the Gemm's gradient and the ScatterND)
        OnnxModel m = new ModelBuilder(17).input("x", -1, 5, 4).initializer(dev.glimpse.engine.graph.Tensors.longs("i", new long[] {0}))
                .initializer("w", GradientCheck.randn(12, 3), 3, 4).initializer("bias", GradientCheck.randn(3, 4), 3)
                .node("Gather", new String[] {"x", "i"}, new String[] {"cls"}, dev.glimpse.engine.graph.Attributes.ofInt("axis", 1))
                .node("Gemm", new String[] {"cls", "w", "bias"}, new String[] {"y"}, dev.glimpse.engine.graph.Attributes.ofInt("transB", 1))
                .output("y").build();
        GradientCheck.of(m).randomInput("x", 1, 5, 4).wrt("x").verify();
    }
}
