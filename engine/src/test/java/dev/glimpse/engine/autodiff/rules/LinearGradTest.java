package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

class LinearGradTest {

    private static void gemm(long transA, long transB, float alpha, float beta, long[] cShape) throws Exception {
        long[] a = transA == 1 ? new long[] {4, 5} : new long[] {-1, 4};
        long[] b = transB == 1 ? new long[] {3, 4} : new long[] {4, 3};
        ModelBuilder mb = new ModelBuilder(17).input("a", a)
                .initializer("b", ConvGradTest.randn(12, 1), b[0], b[1]);
        String[] in = {"a", "b"};
        if (cShape != null) {
            mb.initializer("c", ConvGradTest.randn((int) dev.glimpse.engine.graph.Tensors.size(cShape), 2), cShape);
            in = new String[] {"a", "b", "c"};
        }
        OnnxModel m = mb.node("Gemm", in, new String[] {"y"}, Attributes.ofInt("transA", transA),
                Attributes.ofInt("transB", transB), Attributes.ofFloat("alpha", alpha), Attributes.ofFloat("beta", beta))
                .output("y").build();
        long[] feed = transA == 1 ? new long[] {4, 5} : new long[] {5, 4};
        GradientCheck c = GradientCheck.of(m).randomInput("a", feed).wrt("a", "b");
        if (cShape != null) {
            c.wrt("c");
        }
        c.verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForGemmInEveryTransposition() throws Exception {
        gemm(0, 0, 1f, 1f, new long[] {3});
        gemm(0, 1, 0.5f, 2f, new long[] {3});
        gemm(1, 0, 1.5f, 1f, new long[] {1, 3});
        gemm(1, 1, 1f, 0.3f, null);
    }

    @Test
    void shouldMatchFiniteDifferencesForTwoDimensionalMatMul() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("a", -1, 4).initializer("w", ConvGradTest.randn(12, 3), 4, 3)
                .node("MatMul", new String[] {"a", "w"}, new String[] {"y"}).output("y").build();
        GradientCheck.of(m).randomInput("a", 5, 4).wrt("a", "w").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForBatchedBroadcastMatMul() throws Exception {
        OnnxModel m = OneOp.binary(17, "MatMul", new long[] {-1, 1, 3, 4}, new long[] {2, 4, 5});
        GradientCheck.of(m).randomInput("a", 3, 1, 3, 4).randomInput("b", 2, 4, 5).wrt("a", "b").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForMatMulWithOneDimensionalOperands() throws Exception {
        GradientCheck.of(OneOp.binary(17, "MatMul", new long[] {4}, new long[] {-1, 4, 3}))
                .randomInput("a", 4).randomInput("b", 2, 4, 3).wrt("a", "b").verify();
        GradientCheck.of(OneOp.binary(17, "MatMul", new long[] {-1, 3, 4}, new long[] {4}))
                .randomInput("a", 2, 3, 4).randomInput("b", 4).wrt("a", "b").verify();
    }
}
