package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.training.optim.Adam;
import dev.glimpse.training.optim.LearningRateSchedule;
import dev.glimpse.training.optim.Sgd;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    @Test
    void shouldTakeTwoAdamStepsExactlyAsTheTextbookFormula() {
        // Given weights, two known gradients and hyper-parameters
        float[] w = {0.5f, -1.0f, 2.0f};
        float[][] grads = {{0.1f, -0.2f, 0.0f}, {0.3f, 0.1f, -0.5f}};
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        // Expected, computed here in double straight from Kingma & Ba, Algorithm 1
        double[] ew = {0.5, -1.0, 2.0};
        double[] m = new double[3];
        double[] v = new double[3];
        for (int t = 1; t <= 2; t++) {
            for (int i = 0; i < 3; i++) {
                double g = grads[t - 1][i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mhat = m[i] / (1 - Math.pow(b1, t));
                double vhat = v[i] / (1 - Math.pow(b2, t));
                ew[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
            }
        }
        // When
        Adam adam = new Adam(b1, b2, eps, 0, false);
        adam.update("w", 2, w, grads[0], lr);
        adam.update("w", 2, w, grads[1], lr);
        // Then
        for (int i = 0; i < 3; i++) {
            assertEquals(ew[i], w[i], 1e-6, "weight " + i);
        }
        // the first step moves every weight with a non-zero gradient by lr (the classic Adam property)
        float[] w1 = {0f};
        new Adam(b1, b2, eps, 0, false).update("x", 2, w1, new float[]{123f}, lr);
        assertEquals(-lr, w1[0], 1e-7);
    }

    @Test
    void shouldDecoupleWeightDecayInAdamW() {
        // AdamW: w <- w(1 - lr*wd) - lr * mhat/(sqrt(vhat)+eps); first step mhat/sqrt(vhat) = sign(g)
        float[] w = {2.0f};
        new Adam(0.9, 0.999, 1e-8, 0.1, true).update("w", 2, w, new float[]{0.5f}, 0.01);
        assertEquals(2.0 * (1 - 0.01 * 0.1) - 0.01, w[0], 1e-6);
        // Adam with L2 adds wd*w to the gradient first; the first step is still lr*sign(g')
        float[] w2 = {2.0f};
        new Adam(0.9, 0.999, 1e-8, 0.1, false).update("w", 2, w2, new float[]{-0.1f}, 0.01);
        assertEquals(2.0 - 0.01, w2[0], 1e-6); // g' = -0.1 + 0.2 = 0.1 > 0
        // biases (rank 1) are not decayed
        float[] b = {2.0f};
        new Adam(0.9, 0.999, 1e-8, 0.1, true).update("b", 1, b, new float[]{0.5f}, 0.01);
        assertEquals(2.0 - 0.01, b[0], 1e-6);
    }

    @Test
    void shouldAccumulateMomentumAndWeightDecayInSgd() {
        float[] w = {1.0f};
        Sgd sgd = new Sgd(0.9, 0.01, false);
        sgd.update("w", 2, w, new float[]{0.5f}, 0.1);
        // v1 = 0.5 + 0.01*1 = 0.51; w1 = 1 - 0.051 = 0.949
        assertEquals(0.949, w[0], 1e-6);
        sgd.update("w", 2, w, new float[]{0.5f}, 0.1);
        // v2 = 0.9*0.51 + 0.5 + 0.01*0.949 = 0.96849; w2 = 0.949 - 0.096849
        assertEquals(0.949 - 0.096849, w[0], 1e-6);
        float[] plain = {1f, 2f};
        new Sgd(0, 0, false).update("p", 1, plain, new float[]{1f, -1f}, 0.5);
        assertArrayEquals(new float[]{0.5f, 2.5f}, plain);
    }

    @Test
    void shouldFollowWarmupThenCosineAndStepSchedules() {
        LearningRateSchedule s = LearningRateSchedule.parse("cosine", 0.1, 110, 10);
        assertEquals(0.01, s.rate(0), 1e-12);       // warm-up: (0+1)/10 of base
        assertEquals(0.1, s.rate(9), 1e-12);        // end of warm-up
        assertEquals(0.1, s.rate(10), 1e-12);       // cosine starts at base
        assertEquals(0.05, s.rate(60), 1e-12);      // half way: base/2
        assertEquals(0.0, s.rate(110), 1e-12);      // end: min
        LearningRateSchedule step = LearningRateSchedule.parse("step:5:0.5", 1.0, 100, 0);
        assertEquals(1.0, step.rate(4), 0);
        assertEquals(0.5, step.rate(5), 0);
        assertEquals(0.25, step.rate(12), 0);
    }
}
