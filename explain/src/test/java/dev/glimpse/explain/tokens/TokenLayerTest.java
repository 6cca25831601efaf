package dev.glimpse.explain.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.ExplanationMethod.Request;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.testing.GraphBuilder;
import dev.glimpse.explain.testing.TinyTokenNet;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CAMs on token [N,T,D] and channels-last [N,H,W,C] layers: the layout is read from the graph, leading tokens are
 * dropped, and the maps equal the same method on the channels-first view of the same activation.
 */
class TokenLayerTest {

    private static final TinyTokenNet NET = new TinyTokenNet(7);

    private static Tensor input() {
        Random r = new Random(9);
        float[] f = new float[3 * 64];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) r.nextGaussian();
        }
        return new Tensor(new int[] {1, 3, 8, 8}, f);
    }

    private static Tensor map(Explainer e, String method, String layer) throws Exception {
        return Methods.byName(method).explain(e, new Request(input(), 1, layer, Options.none())).raw();
    }

    @Test
    void shouldDetectTheLayoutOfEachViewFromTheGraph() throws Exception {
        try (Explainer e = new Explainer(NET.model, new EngineDifferentiators(), 4)) {
            assertEquals(new TokenLayout(TokenLayout.Kind.NLD, 1, 4, 4), e.layout(NET.tokens),
                    "17 tokens on a square input: one class token and a 4x4 grid");
            assertEquals(TokenLayout.Kind.NHWC, e.layout(NET.channelsLast).kind(), "made by Transpose [0,2,3,1]");
            assertEquals(TokenLayout.Kind.NCHW, e.layout(NET.conv).kind(), "made by a Conv");
        }
    }

    @Test
    void shouldGiveTheSameCamsOnTokensChannelsLastAndChannelsFirstViews() throws Exception {
        try (Explainer e = new Explainer(NET.model, new EngineDifferentiators(), 4)) {
            for (String method : new String[] {"gradcam", "gradcam++", "layercam", "xgradcam", "hirescam"}) {
                Tensor onTokens = map(e, method, NET.tokens);
                Tensor onChannelsFirst = map(e, method, NET.channelsFirst);
                assertArrayEquals(new int[] {4, 4}, onTokens.shape(), method + " map is [h, w]");
                // alpha over the grid tokens only: the class token (its own activation and gradient) stays out
                assertArrayEquals(onChannelsFirst.data(), onTokens.data(), 1e-5f, method + " on tokens");
                Tensor onChannelsLast = map(e, method, NET.channelsLast);
                assertArrayEquals(map(e, method, NET.conv).data(), onChannelsLast.data(), 1e-5f, method + " channels-last");
            }
            Tensor features = map(e, "featuremaps", NET.tokens);
            assertArrayEquals(new int[] {4, 4, 4}, features.shape(), "feature maps on the token grid [D, h, w]");
        }
    }

    @Test
    void shouldTakeTheGridFromTheParameterAndNameItWhenItDoesNotFit() throws Exception {
        try (Explainer e = new Explainer(NET.model, new EngineDifferentiators(), 4)) {
            e.useTokenParameters(new Options(Map.of(LayoutDetection.GRID, "2x8")));
            assertEquals(new TokenLayout(TokenLayout.Kind.NLD, 1, 2, 8), e.layout(NET.tokens));
            e.useTokenParameters(new Options(Map.of(LayoutDetection.GRID, "5x5")));
            var err = assertThrows(IllegalArgumentException.class, () -> e.requireLayer(NET.tokens));
            assertTrue(err.getMessage().contains("tokens.grid"), err.getMessage());
            e.useTokenParameters(new Options(Map.of(LayoutDetection.LAYOUT, "nld")));
            err = assertThrows(IllegalArgumentException.class, () -> e.requireLayer(NET.conv));
            assertTrue(err.getMessage().contains("rank-3"), err.getMessage());
        }
    }

    @Test
    void shouldRefuseToGuessTheLayoutOfAFourDimensionalTensorNothingExplains() throws Exception {
        // Given [1,7,7,8] made by a Relu of the input and read by Flatten: no evidence either way
        GraphBuilder b = new GraphBuilder(1).input("x", 1, 7, 7, 8);
        String relu = b.node("Relu", new String[] {"x"});
        String logits = b.node("Gemm", new String[] {b.node("Flatten", new String[] {relu}),
            b.initializer("w", null, 0.1, 2, 392)}, GraphBuilder.i("transB", 1));
        try (Explainer e = new Explainer(b.output(logits).build(), new EngineDifferentiators(), 4)) {
            var err = assertThrows(IllegalArgumentException.class, () -> e.requireLayer(relu));
            assertTrue(err.getMessage().contains("--param tokens.layout"), err.getMessage());
            // When the parameter says so, it is read channels-last
            e.useTokenParameters(new Options(Map.of(LayoutDetection.LAYOUT, "nhwc")));
            assertEquals(new TokenLayout(TokenLayout.Kind.NHWC, 0, 7, 7), e.layout(relu));
        }
    }
}
