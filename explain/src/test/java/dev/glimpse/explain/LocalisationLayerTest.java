package dev.glimpse.explain;

import static dev.glimpse.explain.testing.GraphBuilder.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.testing.GraphBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one default heatmap layer (explain, worker, console): the last 4-D activation at least min(14, side/4) cells
 * on a side, where the conventional choice would be the last 4-D activation.
 */
class LocalisationLayerTest {

    /** Relu then halving max pools from {@code side} down to {@code last}, GAP, linear to 2 classes; returns the model and the pyramid's tensors. */
    private static Onnx.ModelProto pyramid(int side, int last, List<String> levels) {
        GraphBuilder b = new GraphBuilder(3).input("x", 1, 1, side, side);
        String t = b.node("Relu", new String[] {"x"});
        levels.add(t);
        for (int s = side / 2; s >= last; s /= 2) {
            t = b.node("MaxPool", new String[] {t}, ints("kernel_shape", 2, 2), ints("strides", 2, 2));
            levels.add(t);
        }
        String gap = b.node("GlobalAveragePool", new String[] {t});
        String flat = b.node("Flatten", new String[] {gap});
        String logits = b.node("Gemm", new String[] {flat, b.initializer("w", null, 1, 2, 1)}, GraphBuilder.i("transB", 1));
        return b.output(logits).build();
    }

    @Test
    void shouldPickTheEightByEightMapOfAThirtyTwoPixelInputWhereTheConventionalChoiceIsFourByFour() throws Exception {
        // Given 32 → 16 → 8 → 4 maps before global pooling
        List<String> levels = new ArrayList<>();
        try (Explainer e = new Explainer(pyramid(32, 4, levels), new EngineDifferentiators(), 4)) {
            // When / Then the conventional layer would be the 4×4 one; the default takes the last with side >= 32/4
            assertEquals(levels.get(2), e.defaultLayer());
            assertArrayEquals(new long[] {1, 1, 8, 8}, e.shape(e.defaultLayer()));
        }
    }

    @Test
    void shouldStayOnALateFourteenByFourteenBlockForImageNetSizedInputs() throws Exception {
        // Given 224 → 112 → 56 → 28 → 14 → 7, the shape of a torchvision classifier's stages
        List<String> levels = new ArrayList<>();
        try (Explainer e = new Explainer(pyramid(224, 7, levels), new EngineDifferentiators(), 4)) {
            // When / Then a quarter of the side (56) is capped at 14: the 14×14 stage, not an early 56×56 one
            assertEquals(levels.get(4), e.defaultLayer());
            assertArrayEquals(new long[] {1, 1, 14, 14}, e.shape(e.defaultLayer()));
        }
    }

    @Test
    void shouldFallBackToTheLastSpatialLayerWhenNoneIsFineEnough() throws Exception {
        // Given 32 → 16 → 8 → 4 → 2 maps of a 32-pixel input where the pyramid starts at 4×4: build one from 8
        List<String> levels = new ArrayList<>();
        try (Explainer e = new Explainer(pyramid(8, 2, levels), new EngineDifferentiators(), 4)) {
            // When / Then the wanted side is max(2, 8/4) = 2: the 2×2 map is the last at least that fine
            assertEquals(levels.get(2), e.defaultLayer());
        }
    }

    @Test
    void shouldKeepTheLastLayerWhenItIsFineEnoughAlready() throws Exception {
        // Given 32 → 16 only
        List<String> levels = new ArrayList<>();
        try (Explainer e = new Explainer(pyramid(32, 16, levels), new EngineDifferentiators(), 4)) {
            // When / Then the 16×16 map, the last one
            assertEquals(levels.get(1), e.defaultLayer());
        }
    }
}
