package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import org.junit.jupiter.api.Test;

class PoolGradTest {

    private static OnnxModel pool(String op, int opset, long[] shape, AttributeProto... attrs) {
        long[] in = shape.clone();
        in[0] = -1;
        return new ModelBuilder(opset).input("x", in).node(op, "x", "y", attrs).output("y").build();
    }

    @Test
    void shouldRouteGradientToTheMaximumOfEachMaxPoolWindow() throws Exception {
        GradientCheck.of(pool("MaxPool", 17, new long[] {2, 3, 6, 6}, Attributes.ofInts("kernel_shape", 2, 2),
                Attributes.ofInts("strides", 2, 2))).randomInput("x", 2, 3, 6, 6).eps(1e-3).wrt("x").verify();
    }

    @Test
    void shouldAccumulateOverlappingMaxPoolWindowsWithPadsAndCeilMode() throws Exception {
        GradientCheck.of(pool("MaxPool", 17, new long[] {2, 2, 7, 8}, Attributes.ofInts("kernel_shape", 3, 3),
                Attributes.ofInts("strides", 2, 2), Attributes.ofInts("pads", 1, 1, 1, 1), Attributes.ofInt("ceil_mode", 1)))
                .randomInput("x", 2, 2, 7, 8).eps(1e-3).wrt("x").verify();
    }

    @Test
    void shouldDifferentiateMaxPoolOfAnOpset11ModelAfterUpgrade() throws Exception {
        GradientCheck.of(pool("MaxPool", 11, new long[] {1, 2, 7, 7}, Attributes.ofInts("kernel_shape", 3, 3),
                Attributes.ofInts("strides", 2, 2), Attributes.ofInt("ceil_mode", 1)))
                .randomInput("x", 1, 2, 7, 7).eps(1e-3).wrt("x").verify();
    }

    @Test
    void shouldSpreadAveragePoolGradientExcludingPads() throws Exception {
        GradientCheck.of(pool("AveragePool", 17, new long[] {2, 2, 7, 6}, Attributes.ofInts("kernel_shape", 3, 3),
                Attributes.ofInts("strides", 2, 2), Attributes.ofInts("pads", 1, 1, 1, 1)))
                .randomInput("x", 2, 2, 7, 6).wrt("x").verify();
    }

    @Test
    void shouldSpreadAveragePoolGradientIncludingPadsWithCeilMode() throws Exception {
        GradientCheck.of(pool("AveragePool", 17, new long[] {2, 2, 7, 6}, Attributes.ofInts("kernel_shape", 3, 2),
                Attributes.ofInts("strides", 2, 2), Attributes.ofInts("pads", 1, 0, 1, 1), Attributes.ofInt("ceil_mode", 1),
                Attributes.ofInt("count_include_pad", 1)))
                .randomInput("x", 2, 2, 7, 6).wrt("x").verify();
    }

    @Test
    void shouldSpreadAveragePoolGradientExcludingPadsWithCeilMode() throws Exception {
        GradientCheck.of(pool("AveragePool", 17, new long[] {1, 2, 8, 8}, Attributes.ofInts("kernel_shape", 3, 3),
                Attributes.ofInts("strides", 2, 2), Attributes.ofInt("ceil_mode", 1)))
                .randomInput("x", 1, 2, 8, 8).wrt("x").verify();
    }

    @Test
    void shouldAverageGradientOverSpaceForGlobalAveragePool() throws Exception {
        GradientCheck.of(pool("GlobalAveragePool", 17, new long[] {2, 3, 4, 5})).randomInput("x", 2, 3, 4, 5).wrt("x").verify();
    }

    @Test
    void shouldRouteGradientToTheMaximumForGlobalMaxPool() throws Exception {
        GradientCheck.of(pool("GlobalMaxPool", 17, new long[] {2, 3, 4, 5})).randomInput("x", 2, 3, 4, 5).eps(1e-3).wrt("x").verify();
    }
}
