package dev.glimpse.training.optim;

import java.util.HashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba) with bias correction; with {@code decoupled} it is AdamW (Loshchilov and Hutter):
 * weight decay shrinks the weights directly (w -= lr*wd*w) instead of being added to the gradient.
 */
public final class Adam implements Optimizer {

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final boolean decoupled;
    private final Map<String, State> states = new HashMap<>();

    private static final class State {
        final float[] m;
        final float[] v;
        int t;

        State(int n) {
            m = new float[n];
            v = new float[n];
        }
    }

    public Adam(double beta1, double beta2, double epsilon, double weightDecay, boolean decoupled) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    public void update(String name, int rank, float[] w, float[] g, double lr) {
        State s = states.computeIfAbsent(name, k -> new State(w.length));
        s.t++;
        double wd = rank > 1 ? weightDecay : 0;
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        // Bias corrections folded into the step size and epsilon: lr_t = lr * sqrt(1-b2^t) / (1-b1^t).
        double c1 = 1 - Math.pow(beta1, s.t);
        double c2 = 1 - Math.pow(beta2, s.t);
        float stepSize = (float) (lr / c1);
        float sqrtC2 = (float) Math.sqrt(c2);
        float eps = (float) epsilon;
        float l2 = decoupled ? 0f : (float) wd;
        float shrink = decoupled ? (float) (1 - lr * wd) : 1f;
        float[] m = s.m;
        float[] v = s.v;
        for (int i = 0; i < w.length; i++) {
            float gi = g[i] + l2 * w[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            w[i] = w[i] * shrink - stepSize * m[i] / ((float) Math.sqrt(v[i]) / sqrtC2 + eps);
        }
    }

    @Override
    public String describe() {
        return (decoupled ? "adamw" : "adam") + "(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + epsilon
                + ", weight_decay=" + weightDecay + ")";
    }
}
