package dev.glimpse.engine.graph;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.autodiff.SmallCnns;
import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeInferenceTest {

    @Test
    void shouldGiveThreeThenTwoForStrideTwoPaddedConvsOnFiveByFive() {
        // the receptive-field article's example: 3x3, pad 1, stride 2 on 5x5 -> 3x3 -> 2x2
        OnnxModel m = new ModelBuilder(17).input("x", -1, 1, 5, 5).initializer("w", new float[9], 1, 1, 3, 3)
                .node("Conv", new String[] {"x", "w"}, new String[] {"a"}, Attributes.ofInts("pads", 1, 1, 1, 1), Attributes.ofInts("strides", 2, 2))
                .node("Conv", new String[] {"a", "w"}, new String[] {"b"}, Attributes.ofInts("pads", 1, 1, 1, 1), Attributes.ofInts("strides", 2, 2))
                .output("b").build();
        ShapeInference.Result r = ShapeInference.infer(m, 1);
        assertArrayEquals(new long[] {1, 1, 3, 3}, r.shape("a"));
        assertArrayEquals(new long[] {1, 1, 2, 2}, r.shape("b"));
    }

    @Test
    void shouldGiveTheSeedNetworkShapes() {
        // conv(10 filters 5x5) -> maxpool 2 -> fully connected 200 on 1x30x30: 10x26x26 -> 10x13x13 = 1690
        OnnxModel m = new ModelBuilder(17).input("x", -1, 1, 30, 30).initializer("w", new float[250], 10, 1, 5, 5)
                .initializer("b", new float[10], 10).initializer("fw", new float[200 * 1690], 200, 1690)
                .node("Conv", new String[] {"x", "w", "b"}, new String[] {"c"})
                .node("MaxPool", "c", "p", Attributes.ofInts("kernel_shape", 2, 2), Attributes.ofInts("strides", 2, 2))
                .node("Flatten", "p", "f").node("Gemm", new String[] {"f", "fw"}, new String[] {"y"}, Attributes.ofInt("transB", 1))
                .output("y").build();
        ShapeInference.Result r = ShapeInference.infer(m, 4);
        assertArrayEquals(new long[] {4, 10, 26, 26}, r.shape("c"));
        assertArrayEquals(new long[] {4, 10, 13, 13}, r.shape("p"));
        assertArrayEquals(new long[] {4, 1690}, r.shape("f"));
        assertArrayEquals(new long[] {4, 200}, r.shape("y"));
    }

    @Test
    void shouldAgreeWithOnnxRuntimeOnEveryIntermediateOfTheSmallCnns() throws Exception {
        for (OnnxModel m : List.of(SmallCnns.vggLike(), SmallCnns.residual(), SmallCnns.concatBlock(), SmallCnns.depthwiseSeparable())) {
            long[] in = m.declaredShape("input").orElseThrow().clone();
            in[0] = 3;
            ShapeInference.Result r = ShapeInference.infer(m, 3);
            List<String> all = new ArrayList<>();
            for (var n : m.nodes()) {
                for (String o : n.getOutputList()) {
                    if (r.elementType(o) == 1) {
                        all.add(o);
                    }
                }
            }
            try (GradientSession s = GradientSession.open(m.withExtraOutputs(all))) {
                Map<String, Tensor> out = s.run(Map.of("input", Tensor.of(GradientCheck.randn((int) Tensors.size(in), 1), in)), all);
                for (String o : all) {
                    assertArrayEquals(out.get(o).shape(), r.shape(o), "shape of " + o);
                }
            }
        }
    }

    @Test
    void shouldResolveCeilModeSamePaddingAndSliceShapes() {
        OnnxModel m = new ModelBuilder(13).input("x", -1, 2, 7, 8)
                .node("MaxPool", "x", "p", Attributes.ofInts("kernel_shape", 3, 3), Attributes.ofInts("strides", 2, 2), Attributes.ofInt("ceil_mode", 1))
                .node("AveragePool", "x", "q", Attributes.ofInts("kernel_shape", 3, 3), Attributes.ofInts("strides", 2, 2),
                        Attributes.ofString("auto_pad", "SAME_UPPER"))
                .longs("st", -3).longs("en", 100).longs("ax", 3).longs("sp", -2)
                .node("Slice", new String[] {"x", "st", "en", "ax", "sp"}, new String[] {"s"})
                .longs("ua", 0, 3).node("Unsqueeze", new String[] {"x", "ua"}, new String[] {"u"})
                .output("p").build();
        ShapeInference.Result r = ShapeInference.infer(m, 1);
        assertArrayEquals(new long[] {1, 2, 3, 4}, r.shape("p"));
        assertArrayEquals(new long[] {1, 2, 4, 4}, r.shape("q"));
        assertArrayEquals(new long[] {1, 2, 7, 0}, r.shape("s"));
        assertArrayEquals(new long[] {1, 1, 2, 1, 7, 8}, r.shape("u"));
    }

    @Test
    void shouldNameTheOperatorWhenAShapeIsUnknown() {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 4).node("NonMaxSuppression", "x", "y").output("y").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShapeInference.infer(m, 1).shape("y"));
        assertTrue(e.getMessage().contains("NonMaxSuppression"), e.getMessage());
        assertEquals(1, Layer.all(m).size());
        assertEquals("NonMaxSuppression", Layer.all(m).get(0).opType());
    }
}
