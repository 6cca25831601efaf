package dev.glimpse.training.optim;

import java.util.HashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum and L2 weight decay, in PyTorch's form:
 * g' = g + wd*w; v = mu*v + g'; w -= lr * v (Nesterov: w -= lr * (g' + mu*v)).
 */
public final class Sgd implements Optimizer {

    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    private final Map<String, float[]> velocity = new HashMap<>();

    public Sgd(double momentum, double weightDecay, boolean nesterov) {
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    public void update(String name, int rank, float[] w, float[] g, double lr) {
        float wd = rank > 1 ? (float) weightDecay : 0f;
        float mu = (float) momentum;
        float rate = (float) lr;
        if (mu == 0f) {
            for (int i = 0; i < w.length; i++) {
                w[i] -= rate * (g[i] + wd * w[i]);
            }
            return;
        }
        float[] v = velocity.computeIfAbsent(name, k -> new float[w.length]);
        for (int i = 0; i < w.length; i++) {
            float gi = g[i] + wd * w[i];
            v[i] = mu * v[i] + gi;
            w[i] -= rate * (nesterov ? gi + mu * v[i] : v[i]);
        }
    }

    @Override
    public String describe() {
        return (nesterov ? "nesterov" : "sgd") + "(momentum=" + momentum + ", weight_decay=" + weightDecay + ")";
    }
}
