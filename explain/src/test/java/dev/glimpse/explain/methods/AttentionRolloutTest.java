package dev.glimpse.explain.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.ExplanationMethod.Request;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.testing.GraphBuilder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attention rollout on graphs whose attention probabilities are Softmaxes of known scores (5 tokens: a class token
 * and a 2×2 grid), in the 3-D [heads, T, T] and the 4-D [1, heads, T, T] layouts, against the rollout written out
 * here: Â = rownorm(mean over heads + I), R = Â_2 · Â_1, map = R[0, 1:].
 */
class AttentionRolloutTest {

    private static final int T = 5;
    private static final int HEADS = 2;

    private static float[] scores(long seed) {
        Random r = new Random(seed);
        float[] s = new float[HEADS * T * T];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (r.nextGaussian() * 2);
        }
        return s;
    }

    /** Two attention blocks (Softmax of constant scores) beside a GAP classifier of a [1,3,4,4] input. */
    private static dev.glimpse.engine.onnx.Onnx.ModelProto model(boolean fourD, int windows) {
        GraphBuilder b = new GraphBuilder(1).input("x", 1, 3, 4, 4);
        for (int block = 0; block < 2; block++) {
            long[] dims = fourD ? new long[] {windows, HEADS, T, T} : new long[] {HEADS, T, T};
            float[] s = scores(block);
            if (windows > 1) {
                s = java.util.Arrays.copyOf(s, windows * s.length);
            }
            b.node("Softmax", new String[] {b.initializer("scores" + block, s, 0, dims)}, GraphBuilder.i("axis", -1));
        }
        String logits = b.node("Gemm", new String[] {b.node("Flatten", new String[] {b.node("GlobalAveragePool", new String[] {"x"})}),
            b.initializer("w", null, 1, 2, 3)}, GraphBuilder.i("transB", 1));
        return b.output(logits).build();
    }

    private static double[][] averaged(float[] scores) {
        double[][] a = new double[T][T];
        for (int h = 0; h < HEADS; h++) {
            for (int i = 0; i < T; i++) {
                double z = 0;
                for (int j = 0; j < T; j++) {
                    z += Math.exp(scores[(h * T + i) * T + j]);
                }
                for (int j = 0; j < T; j++) {
                    a[i][j] += Math.exp(scores[(h * T + i) * T + j]) / z / HEADS;
                }
            }
        }
        for (int i = 0; i < T; i++) {
            a[i][i] += 1;
            double s = 0;
            for (int j = 0; j < T; j++) {
                s += a[i][j];
            }
            for (int j = 0; j < T; j++) {
                a[i][j] /= s;
            }
        }
        return a;
    }

    private static float[] expectedMap() {
        double[][] a1 = averaged(scores(0));
        double[][] a2 = averaged(scores(1));
        float[] map = new float[T - 1];
        for (int j = 1; j < T; j++) {
            double v = 0;
            for (int k = 0; k < T; k++) {
                v += a2[0][k] * a1[k][j];
            }
            map[j - 1] = (float) v;
        }
        return map;
    }

    private static Tensor run(dev.glimpse.engine.onnx.Onnx.ModelProto m) throws Exception {
        try (Explainer e = new Explainer(m, new EngineDifferentiators(), 4)) {
            return new AttentionRollout().explain(e, new Request(Tensor.zeros(1, 3, 4, 4), 0, null, Options.none())).raw();
        }
    }

    @Test
    void shouldRollOutThreeDimensionalAttentionOverTheGrid() throws Exception {
        Tensor map = run(model(false, 1));
        assertArrayEquals(new int[] {2, 2}, map.shape(), "5 tokens on a square input: class token + 2x2");
        assertArrayEquals(expectedMap(), map.data(), 1e-5f);
    }

    @Test
    void shouldRollOutFourDimensionalAttentionTheSame() throws Exception {
        assertArrayEquals(expectedMap(), run(model(true, 1)).data(), 1e-5f);
    }

    @Test
    void shouldRefuseWindowedAttention() {
        var e = assertThrows(IllegalArgumentException.class, () -> run(model(true, 4)));
        assertTrue(e.getMessage().contains("windowed"), e.getMessage());
        assertEquals(true, e.getMessage().contains("gradcam"));
    }
}
