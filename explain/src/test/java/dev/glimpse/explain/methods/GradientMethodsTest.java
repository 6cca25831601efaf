package dev.glimpse.explain.methods;

import static dev.glimpse.explain.testing.TinyCnn.C;
import static dev.glimpse.explain.testing.TinyCnn.H;
import static dev.glimpse.explain.testing.TinyCnn.K;
import static dev.glimpse.explain.testing.TinyCnn.W;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.ExplanationMethod.Request;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.testing.TinyCnn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gradient methods on {@link TinyCnn} (conv → ReLU → GAP → linear) through the engine's fused backward graphs,
 * each against a closed form: on this model dy_c/dA^k_ij = W[c,k] / (H W) everywhere, and the input gradient is
 * the transposed convolution of that constant over the active (masked) positions.
 */
class GradientMethodsTest {

    private static final TinyCnn NET = new TinyCnn(11);
    private static final Tensor X = TinyCnn.input(5);
    private static final int TARGET = 2;
    private static Explainer explainer;

    @BeforeAll
    static void open() throws Exception {
        explainer = new Explainer(NET.model, new EngineDifferentiators(), 64);
    }

    @AfterAll
    static void close() throws Exception {
        explainer.close();
    }

    private static Explanation run(ExplanationMethod m, Map<String, String> options) throws Exception {
        return m.explain(explainer, new Request(X, TARGET, NET.layer, new Options(options)));
    }

    private static double g(int k) {
        return NET.fcWeight[TARGET * K + k] / (double) (H * W);
    }

    private static double a(int k, int y, int x) {
        return Math.max(0, NET.preActivation(X, k, y, x));
    }

    /** ReLU(sum_k w_k A_k) from the closed-form activations. */
    private static float[] weighted(double[] w) {
        float[] out = new float[H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double s = 0;
                for (int k = 0; k < K; k++) {
                    s += w[k] * a(k, y, x);
                }
                out[y * W + x] = (float) Math.max(0, s);
            }
        }
        return out;
    }

    /** d y_c / d x with the ReLU's backward replaced as the rule says. */
    private static float[] inputGradient(String rule) {
        float[] out = new float[C * H * W];
        for (int k = 0; k < K; k++) {
            double gk = g(k);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    boolean active = NET.preActivation(X, k, y, x) > 0;
                    boolean pass = switch (rule) {
                        case "standard" -> active;
                        case "guided" -> active && gk > 0;
                        case "deconvnet" -> gk > 0;
                        default -> throw new IllegalArgumentException(rule);
                    };
                    if (!pass) {
                        continue;
                    }
                    for (int c = 0; c < C; c++) {
                        for (int dy = -1; dy <= 1; dy++) {
                            for (int dx = -1; dx <= 1; dx++) {
                                int iy = y + dy;
                                int ix = x + dx;
                                if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                                    out[(c * H + iy) * W + ix] += (float) (gk * NET.convWeight[((k * C + c) * 3 + dy + 1) * 3 + dx + 1]);
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static double[] gradCamWeights() {
        double[] w = new double[K];
        for (int k = 0; k < K; k++) {
            w[k] = g(k);
        }
        return w;
    }

    @Test
    void shouldMatchGradCamClosedFormAlphaEqualsClassWeightOverArea() throws Exception {
        Tensor map = run(new GradCam(), Map.of()).raw();
        assertArrayEquals(new int[] {H, W}, map.shape());
        assertArrayEquals(weighted(gradCamWeights()), map.data(), 1e-5f);
    }

    @Test
    void shouldEqualGradCamForHiResCamAndXGradCamWhenGradientIsConstantPerChannel() throws Exception {
        float[] expected = weighted(gradCamWeights());
        assertArrayEquals(expected, run(new HiResCam(), Map.of()).raw().data(), 1e-5f);
        assertArrayEquals(expected, run(new XGradCam(), Map.of()).raw().data(), 1e-4f);
    }

    @Test
    void shouldMatchLayerCamAndGradCamPlusPlusClosedForms() throws Exception {
        double[] relu = new double[K];
        double[] plus = new double[K];
        for (int k = 0; k < K; k++) {
            double sumA = 0;
            for (int i = 0; i < H * W; i++) {
                sumA += a(k, i / W, i % W);
            }
            relu[k] = Math.max(0, g(k));
            // a_ij = g^2 / (2 g^2 + S g^3) = 1 / (2 + S g); w_k = H W a relu(g)
            plus[k] = g(k) == 0 ? 0 : H * W * Math.max(0, g(k)) / (2 + sumA * g(k));
        }
        assertArrayEquals(weighted(relu), run(new LayerCam(), Map.of()).raw().data(), 1e-5f);
        assertArrayEquals(weighted(plus), run(new GradCamPlusPlus(), Map.of()).raw().data(), 1e-4f);
    }

    @Test
    void shouldGiveCamEqualToGradCamTimesAreaOnGapModel() throws Exception {
        Tensor cam = run(new Cam(), Map.of()).raw();
        Tensor gradcam = run(new GradCam(), Map.of()).raw();
        for (int i = 0; i < cam.size(); i++) {
            assertEquals(H * W * gradcam.data()[i], cam.data()[i], 1e-4);
        }
    }

    @Test
    void shouldMatchSaliencyWithClosedFormAndCentralFiniteDifferences() throws Exception {
        Tensor s = run(InputGradient.saliency(), Map.of()).raw();
        assertArrayEquals(new int[] {C, H, W}, s.shape());
        assertArrayEquals(inputGradient("standard"), s.data(), 1e-5f);
        double eps = 1e-2;
        for (int i : new int[] {0, 17, 63, 64, 100, 127}) {
            Tensor plus = new Tensor(X.shape().clone(), X.data().clone());
            Tensor minus = new Tensor(X.shape().clone(), X.data().clone());
            plus.data()[i] += (float) eps;
            minus.data()[i] -= (float) eps;
            double fd = (explainer.logits(plus).data()[TARGET] - explainer.logits(minus).data()[TARGET]) / (2 * eps);
            assertEquals(fd, s.data()[i], 2e-3, "element " + i);
        }
    }

    @Test
    void shouldApplyGuidedAndDeconvnetReluRules() throws Exception {
        assertArrayEquals(inputGradient("guided"), run(InputGradient.guided(), Map.of()).raw().data(), 1e-5f);
        assertArrayEquals(inputGradient("deconvnet"), run(InputGradient.deconvnet(), Map.of()).raw().data(), 1e-5f);
    }

    @Test
    void shouldMultiplyGradientByInputAndGuidedByCam() throws Exception {
        float[] grad = inputGradient("standard");
        Tensor gxi = run(new GradientTimesInput(), Map.of()).raw();
        float[] guided = inputGradient("guided");
        float[] cam = weighted(gradCamWeights());
        Tensor ggc = run(new GuidedGradCam(), Map.of()).raw();
        for (int i = 0; i < grad.length; i++) {
            assertEquals(grad[i] * X.data()[i], gxi.data()[i], 1e-5);
            assertEquals(guided[i] * cam[i % (H * W)], ggc.data()[i], 1e-5);
        }
    }

    @Test
    void shouldReduceSmoothGradToSaliencyWithoutNoise() throws Exception {
        Tensor sg = run(new SmoothGrad(), Map.of("smoothgrad.samples", "5", "smoothgrad.sigma", "0")).raw();
        assertArrayEquals(inputGradient("standard"), sg.data(), 1e-5f);
    }

    @Test
    void shouldSatisfyIntegratedGradientsCompleteness() throws Exception {
        Explanation ig = run(new IntegratedGradients(), Map.of("integrated-gradients.steps", "128"));
        double diff = (double) ig.details().get("logitDifference");
        double gap = (double) ig.details().get("completenessGap");
        assertEquals(diff, ig.raw().sum(), Math.abs(diff) * 0.01 + 1e-4);
        assertTrue(Math.abs(gap) <= Math.abs(diff) * 0.01 + 1e-4, "gap " + gap + " vs difference " + diff);
    }

    @Test
    void shouldRaiseTargetLogitByActivationMaximisation() throws Exception {
        Explanation am = run(new ActivationMaximisation(), Map.of("activation-max.objective", "class", "activation-max.steps", "24"));
        assertArrayEquals(new int[] {1, C, H, W}, am.raw().shape());
        Tensor logits = explainer.logits(am.raw());
        assertEquals(TARGET, logits.argmax(), "the optimised input should be classified as the target");
        Explanation filters = run(new ActivationMaximisation(), Map.of("activation-max.filters", "0,1,2", "activation-max.steps", "16"));
        Tensor feats = explainer.forward(filters.raw(), List.of(NET.layer)).get(NET.layer);
        Tensor zero = explainer.forward(Tensor.zeros(3, C, H, W), List.of(NET.layer)).get(NET.layer);
        for (int k = 0; k < K; k++) {
            assertTrue(mean(feats, k, k) > mean(zero, k, k), "filter " + k + " should be more active on its own image");
        }
    }

    @Test
    void shouldBatchSmoothGradSamplesAndIntegratedGradientStepsIntoOneFusedCall() throws Exception {
        // Given a gradient engine that records the batch size of every fused call
        List<Integer> calls = new java.util.ArrayList<>();
        var engine = new EngineDifferentiators();
        dev.glimpse.explain.gradient.DifferentiatorFactory counting = (model, out, layer, rule, wantInput) -> {
            var d = engine.create(model, out, layer, rule, wantInput);
            return new dev.glimpse.explain.gradient.Differentiator() {
                @Override
                public Pass run(Tensor input, Tensor seed) throws ai.onnxruntime.OrtException {
                    calls.add(input.dim(0));
                    return d.run(input, seed);
                }

                @Override
                public void close() throws ai.onnxruntime.OrtException {
                    d.close();
                }
            };
        };
        try (Explainer e = new Explainer(NET.model, counting, 32)) {
            Request r = new Request(X, TARGET, NET.layer, new Options(Map.of("smoothgrad.samples", "12", "integrated-gradients.steps", "20")));
            new SmoothGrad().explain(e, r);
            new IntegratedGradients().explain(e, r);
            new GradCam().explain(e, r);
        }
        // Then 12 samples went in one call, 20 steps in one call, and Grad-CAM took one call of one
        assertEquals(List.of(12, 20, 1), calls);
    }

    private static double mean(Tensor a, int sample, int k) {
        double s = 0;
        int hw = H * W;
        for (int i = 0; i < hw; i++) {
            s += a.data()[(sample * K + k) * hw + i];
        }
        return s / hw;
    }
}
