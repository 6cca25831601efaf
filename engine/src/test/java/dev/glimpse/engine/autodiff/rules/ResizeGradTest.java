package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.autodiff.UnsupportedOperatorException;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resize and Upsample in the attribute combinations torch.onnx emits (and the ONNX defaults), against finite differences. */
class ResizeGradTest {

    private static OnnxModel resizeScales(int opset, float[] scales, AttributeProto... attrs) {
        // opsets 11 and 12 require the roi input (torch.onnx passes an empty constant)
        String[] in = opset < 11 ? new String[] {"x", "scales"} : new String[] {"x", opset < 13 ? "roi" : "", "scales"};
        return new ModelBuilder(opset).input("x", -1, 2, 3, 4).initializer("scales", scales, scales.length)
                .initializer("roi", new float[0], 0)
                .node("Resize", in, new String[] {"y"}, attrs).output("y").build();
    }

    private static void check(OnnxModel m) throws Exception {
        GradientCheck.of(m).randomInput("x", 2, 2, 3, 4).wrt("x").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForTorchNearestUpsampling() throws Exception {
        // F.interpolate(scale_factor=2, mode="nearest") at opset 13
        check(resizeScales(13, new float[] {1, 1, 2, 2}, Attributes.ofString("mode", "nearest"),
                Attributes.ofString("coordinate_transformation_mode", "asymmetric"), Attributes.ofString("nearest_mode", "floor")));
    }

    @Test
    void shouldMatchFiniteDifferencesForTorchBilinearWithAndWithoutAlignCorners() throws Exception {
        check(resizeScales(13, new float[] {1, 1, 2, 2}, Attributes.ofString("mode", "linear"),
                Attributes.ofString("coordinate_transformation_mode", "pytorch_half_pixel")));
        check(resizeScales(11, new float[] {1, 1, 2.5f, 1.5f}, Attributes.ofString("mode", "linear"),
                Attributes.ofString("coordinate_transformation_mode", "align_corners")));
    }

    @Test
    void shouldMatchFiniteDifferencesForOnnxDefaultsWithNonIntegerScalesAndDownsampling() throws Exception {
        check(resizeScales(13, new float[] {1, 1, 1.5f, 2.5f}));
        check(resizeScales(13, new float[] {1, 1, 1.5f, 2.5f}, Attributes.ofString("nearest_mode", "round_prefer_ceil")));
        check(resizeScales(13, new float[] {1, 1, 0.7f, 0.5f}, Attributes.ofString("mode", "linear")));
        check(resizeScales(13, new float[] {1, 1, 0.7f, 0.5f}, Attributes.ofString("nearest_mode", "ceil")));
    }

    @Test
    void shouldMatchFiniteDifferencesForSizesInputAtOpset18() throws Exception {
        // sizes as torch computes them for F.interpolate(size=(7, 5)): the leading dims from Shape(x)
        OnnxModel m = new ModelBuilder(18).input("x", -1, 2, 3, 4).longs("start", 0).longs("end", 2).longs("hw", 7, 5)
                .node("Shape", "x", "shape").node("Slice", new String[] {"shape", "start", "end"}, new String[] {"lead"})
                .node("Concat", new String[] {"lead", "hw"}, new String[] {"sizes"}, Attributes.ofInt("axis", 0))
                .node("Resize", new String[] {"x", "", "", "sizes"}, new String[] {"y"}, Attributes.ofString("mode", "linear"),
                        Attributes.ofString("coordinate_transformation_mode", "half_pixel")).output("y").build();
        check(m);
    }

    @Test
    void shouldMatchFiniteDifferencesForResize10AndUpsample9() throws Exception {
        check(resizeScales(10, new float[] {1, 1, 2, 3}));
        check(resizeScales(10, new float[] {1, 1, 2, 3}, Attributes.ofString("mode", "linear")));
        for (String mode : new String[] {"nearest", "linear"}) {
            OnnxModel m = new ModelBuilder(9).input("x", -1, 2, 3, 4).initializer("scales", new float[] {1, 1, 2, 2}, 4)
                    .node("Upsample", new String[] {"x", "scales"}, new String[] {"y"}, Attributes.ofString("mode", mode))
                    .output("y").build();
            check(m);
        }
    }

    @Test
    void shouldMatchFiniteDifferencesOnAOneDimensionalSignal() throws Exception {
        OnnxModel m = new ModelBuilder(13).input("x", -1, 2, 5).initializer("scales", new float[] {1, 1, 1.6f}, 3)
                .node("Resize", new String[] {"x", "", "scales"}, new String[] {"y"}, Attributes.ofString("mode", "linear"))
                .output("y").build();
        GradientCheck.of(m).randomInput("x", 2, 2, 5).wrt("x").verify();
    }

    @Test
    void shouldNameCubicResizeBeforeAnythingRuns() {
        OnnxModel m = resizeScales(13, new float[] {1, 1, 2, 2}, Attributes.ofString("mode", "cubic"));
        var e = assertThrows(UnsupportedOperatorException.class,
                () -> GradientGraphBuilder.forModel(m).differentiate("y").wrt("x").build());
        assertTrue(e.getMessage().contains("cubic"), e.getMessage());
    }
}
