package dev.glimpse.explain.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.ExplanationMethod.Request;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.testing.TinyCnn;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Gradient-free methods on {@link TinyCnn}, each against a direct computation. */
class ForwardMethodsTest {

    private static final TinyCnn NET = new TinyCnn(11);
    private static final Tensor X = TinyCnn.input(5);
    private static Explainer explainer;

    @BeforeAll
    static void open() throws Exception {
        explainer = new Explainer(NET.model, null, 8);
    }

    @AfterAll
    static void close() throws Exception {
        explainer.close();
    }

    private static Request request(int target) {
        return new Request(X, target, NET.layer, Options.none());
    }

    @Test
    void shouldPickLastSpatialActivationAsDefaultLayer() {
        assertEquals(NET.layer, explainer.defaultLayer());
        assertEquals(NET.logits, explainer.logitsName());
    }

    @Test
    void shouldReturnFeatureMapsEqualToReluOfDirectConvolution() throws Exception {
        Tensor maps = new FeatureMaps().explain(explainer, request(0)).raw();
        assertArrayEquals(new int[] {TinyCnn.K, TinyCnn.H, TinyCnn.W}, maps.shape());
        for (int k = 0; k < TinyCnn.K; k++) {
            for (int y = 0; y < TinyCnn.H; y++) {
                for (int x = 0; x < TinyCnn.W; x++) {
                    assertEquals(Math.max(0, NET.preActivation(X, k, y, x)), maps.data()[(k * TinyCnn.H + y) * TinyCnn.W + x], 1e-4);
                }
            }
        }
    }

    @Test
    void shouldComputeCamFromClassifierWeightsAndActivations() throws Exception {
        int c = 2;
        Tensor cam = new Cam().explain(explainer, request(c)).raw();
        for (int y = 0; y < TinyCnn.H; y++) {
            for (int x = 0; x < TinyCnn.W; x++) {
                double s = 0;
                for (int k = 0; k < TinyCnn.K; k++) {
                    s += NET.fcWeight[c * TinyCnn.K + k] * Math.max(0, NET.preActivation(X, k, y, x));
                }
                assertEquals(Math.max(0, s), cam.data()[y * TinyCnn.W + x], 1e-4);
            }
        }
    }

    @Test
    void shouldReturnFirstConvWeightsAsFilters() throws Exception {
        var f = new Filters().explain(explainer, request(0));
        assertArrayEquals(new int[] {TinyCnn.K, TinyCnn.C, 3, 3}, f.raw().shape());
        assertArrayEquals(NET.convWeight, f.raw().data());
        assertArrayEquals(new int[] {TinyCnn.K, TinyCnn.H, TinyCnn.W}, ((Tensor) f.details().get("responses")).shape());
    }

    @Test
    void shouldGiveOcclusionEqualToProbabilityDropOfDirectlyOccludedInput() throws Exception {
        int target = 1;
        var r = new Request(X, target, NET.layer, new Options(Map.of("occlusion.window", "4", "occlusion.stride", "2")));
        Tensor occ = new Occlusion().explain(explainer, r).raw();
        assertArrayEquals(new int[] {3, 3}, occ.shape());
        float base = explainer.targetProbabilities(X, target)[0];
        // position (gy=1, gx=2): rows 2..5, columns 4..7 zeroed in both channels
        Tensor occluded = new Tensor(X.shape().clone(), X.data().clone());
        for (int c = 0; c < TinyCnn.C; c++) {
            for (int y = 2; y < 6; y++) {
                for (int x = 4; x < 8; x++) {
                    occluded.data()[(c * TinyCnn.H + y) * TinyCnn.W + x] = 0;
                }
            }
        }
        assertEquals(base - explainer.targetProbabilities(occluded, target)[0], occ.data()[1 * 3 + 2], 1e-6);
    }

    @Test
    void shouldRejectOcclusionWindowLargerThanInput() {
        var r = new Request(X, 0, NET.layer, new Options(Map.of("occlusion.window", "9")));
        var e = assertThrows(IllegalArgumentException.class, () -> new Occlusion().explain(explainer, r));
        assertTrue(e.getMessage().contains("occlusion.window") && e.getMessage().contains("'9'"), e.getMessage());
    }

    @Test
    void shouldProjectRankOneActivationOnItsSpatialPattern() {
        // A[k,i] = u_k * s_i: centred, its first principal direction is u and the projection is |u| (s - mean s)
        float[] u = {1, 2, -0.5f};
        float[] s = {0, 1, 4, 1, 0, 2, 3, 1, 0};
        float[] a = new float[27];
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < 9; i++) {
                a[k * 9 + i] = u[k] * s[i];
            }
        }
        Tensor map = EigenCam.principalProjection(new Tensor(new int[] {1, 3, 3, 3}, a));
        double norm = Math.sqrt(1 + 4 + 0.25);
        double mean = 12.0 / 9;
        for (int i = 0; i < 9; i++) {
            assertEquals(Math.max(0, norm * (s[i] - mean)), map.data()[i], 1e-4);
        }
    }

    @Test
    void shouldGiveScoreCamEqualToReluOfActivationForSingleChannelLayer() throws Exception {
        // with one channel the softmax weight is 1, so Score-CAM is the channel itself
        var b = new dev.glimpse.explain.testing.GraphBuilder(3).input("x", 1, 1, 6, 6);
        String conv = b.node("Conv", new String[] {"x", b.initializer("w", null, 0.5, 1, 1, 3, 3)},
                dev.glimpse.explain.testing.GraphBuilder.ints("pads", 1, 1, 1, 1));
        String relu = b.node("Relu", new String[] {conv});
        String gap = b.node("GlobalAveragePool", new String[] {relu});
        String flat = b.node("Flatten", new String[] {gap});
        String fc = b.node("Gemm", new String[] {flat, b.initializer("fw", null, 1, 2, 1)}, dev.glimpse.explain.testing.GraphBuilder.i("transB", 1));
        try (Explainer e = new Explainer(b.output(fc).build(), null, 4)) {
            Tensor x = new Tensor(new int[] {1, 1, 6, 6}, java.util.Arrays.copyOf(TinyCnn.input(2).data(), 36));
            var r = new Request(x, 0, relu, Options.none());
            Tensor score = new ScoreCam().explain(e, r).raw();
            Tensor fm = new FeatureMaps().explain(e, r).raw();
            assertArrayEquals(fm.data(), score.data(), 1e-5f);
        }
    }
}
