package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import org.junit.jupiter.api.Test;

import java.util.Random;

class ConvGradTest {

    static float[] randn(int n, long seed) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * 0.5);
        }
        return f;
    }

    private static OnnxModel conv(int cin, int cout, int k, int group, boolean bias, AttributeProto... attrs) {
        ModelBuilder mb = new ModelBuilder(17).input("x", -1, cin, 7, 6)
                .initializer("w", randn(cout * (cin / group) * k * k, 3), cout, cin / group, k, k);
        AttributeProto[] all = java.util.Arrays.copyOf(attrs, attrs.length + 1);
        all[attrs.length] = Attributes.ofInt("group", group);
        if (bias) {
            mb.initializer("b", randn(cout, 4), cout);
            mb.node("Conv", new String[] {"x", "w", "b"}, new String[] {"y"}, all);
        } else {
            mb.node("Conv", new String[] {"x", "w"}, new String[] {"y"}, all);
        }
        return mb.output("y").build();
    }

    @Test
    void shouldMatchFiniteDifferencesForPlainConvWithBias() throws Exception {
        GradientCheck.of(conv(3, 4, 3, 1, true)).randomInput("x", 2, 3, 7, 6).wrt("x", "w", "b").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesWithStridePadsAndRemainder() throws Exception {
        GradientCheck.of(conv(2, 3, 3, 1, false, Attributes.ofInts("strides", 2, 2), Attributes.ofInts("pads", 1, 0, 0, 1)))
                .randomInput("x", 2, 2, 7, 6).wrt("x", "w").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesWithDilation() throws Exception {
        GradientCheck.of(conv(2, 3, 3, 1, true, Attributes.ofInts("dilations", 2, 1), Attributes.ofInts("pads", 2, 1, 2, 1)))
                .randomInput("x", 2, 2, 7, 6).wrt("x", "w", "b").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesWithGroups() throws Exception {
        GradientCheck.of(conv(4, 6, 3, 2, true, Attributes.ofInts("pads", 1, 1, 1, 1), Attributes.ofInts("strides", 2, 1)))
                .randomInput("x", 2, 4, 7, 6).wrt("x", "w", "b").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForDepthwiseConv() throws Exception {
        GradientCheck.of(conv(3, 3, 3, 3, false, Attributes.ofInts("pads", 1, 1, 1, 1)))
                .randomInput("x", 3, 3, 7, 6).wrt("x", "w").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesWithAutoPadSameUpper() throws Exception {
        GradientCheck.of(conv(2, 2, 3, 1, false, Attributes.ofString("auto_pad", "SAME_UPPER"), Attributes.ofInts("strides", 2, 2)))
                .randomInput("x", 1, 2, 7, 6).wrt("x", "w").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForOneDimensionalConv() throws Exception {
        OnnxModel m = new ModelBuilder(17).input("x", -1, 2, 9).initializer("w", randn(3 * 2 * 3, 5), 3, 2, 3)
                .node("Conv", new String[] {"x", "w"}, new String[] {"y"}, Attributes.ofInts("strides", 2), Attributes.ofInts("pads", 1, 1))
                .output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 2, 9).wrt("x", "w").verify();
    }
}
