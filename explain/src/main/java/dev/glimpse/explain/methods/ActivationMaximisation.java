package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Activation maximisation (Erhan et al. 2009; Yosinski et al. 2015): gradient ascent on the input, starting
 * from small noise, on the mean activation of chosen filters of the layer (activation-max.objective=filters,
 * activation-max.filters=0,1,... default the first 16) or on the target logit (objective=class). All images
 * ascend together in one batched fused call per step. Regularisation: random jitter (roll by up to
 * activation-max.jitter px), L2 decay (activation-max.l2) and a 3×3 blur every activation-max.blur-every
 * steps. Raw array [n,C,H,W], the optimised inputs.
 */
public final class ActivationMaximisation implements ExplanationMethod {

    @Override
    public String name() {
        return "activation-max";
    }

    /** The sessions of the default objective ({@code filters}: the gradient of the layer's units w.r.t. the input). */
    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(e.requireLayer(layer), null, ReluRule.STANDARD);
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String objective = r.options().string("activation-max.objective", "filters");
        int steps = r.options().integer("activation-max.steps", 32, 1);
        double lr = r.options().real("activation-max.lr", 0.05, 0);
        double l2 = r.options().real("activation-max.l2", 1e-3, 0);
        int jitter = r.options().integer("activation-max.jitter", 4, 0);
        int blurEvery = r.options().integer("activation-max.blur-every", 4, 0);
        Random random = new Random(r.options().integer("activation-max.seed", 0, 0));
        Tensor x = r.input();
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        String output;
        List<Integer> units = new ArrayList<>();
        if (objective.equals("class")) {
            output = null;
            units.add(r.target());
        } else if (objective.equals("filters")) {
            output = e.requireLayer(r.layer());
            int channels = (int) e.shape(output)[1];
            String given = r.options().string("activation-max.filters", null);
            if (given == null) {
                for (int k = 0; k < Math.min(16, channels); k++) {
                    units.add(k);
                }
            } else {
                for (String s : given.split(",")) {
                    int k;
                    try {
                        k = Integer.parseInt(s.trim());
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException("option activation-max.filters must list integers, got '" + given + "'");
                    }
                    if (k < 0 || k >= channels) {
                        throw new IllegalArgumentException("option activation-max.filters: filter " + k + " is outside 0.." + (channels - 1));
                    }
                    units.add(k);
                }
            }
        } else {
            throw new IllegalArgumentException("option activation-max.objective must be 'filters' or 'class', got '" + objective + "'");
        }
        int n = units.size();
        int per = c * h * w;
        float[] img = new float[n * per];
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) (random.nextGaussian() * 0.1);
        }
        Tensor seed = seed(e, output, units);
        for (int step = 0; step < steps; step++) {
            int dy = jitter == 0 ? 0 : random.nextInt(2 * jitter + 1) - jitter;
            int dx = jitter == 0 ? 0 : random.nextInt(2 * jitter + 1) - jitter;
            Tensor shifted = new Tensor(new int[] {n, c, h, w}, roll(img, n * c, h, w, dy, dx));
            Tensor g = e.gradients(output, null, ReluRule.STANDARD, shifted, seed).inputGradient();
            float[] grad = roll(g.data(), n * c, h, w, -dy, -dx);
            for (int b = 0; b < n; b++) {
                double mean = 0;
                for (int i = 0; i < per; i++) {
                    mean += Math.abs(grad[b * per + i]);
                }
                mean = mean / per + 1e-8;
                for (int i = 0; i < per; i++) {
                    int j = b * per + i;
                    img[j] += (float) (lr * grad[j] / mean - l2 * img[j]);
                }
            }
            if (blurEvery > 0 && (step + 1) % blurEvery == 0) {
                img = blur(img, n * c, h, w);
            }
        }
        return new Explanation(name(), Explanation.Kind.IMAGES, new Tensor(new int[] {n, c, h, w}, img),
                Map.of("objective", objective, "units", units, "layer", output == null ? e.logitsName() : output));
    }

    /** Seeds on the objective tensor: the mean over positions of filter k, or a one-hot logit. */
    private static Tensor seed(Explainer e, String output, List<Integer> units) {
        int n = units.size();
        if (output == null) {
            int k = e.numClasses();
            Tensor s = Tensor.zeros(n, k);
            for (int b = 0; b < n; b++) {
                s.data()[b * k + units.get(b)] = 1;
            }
            return s;
        }
        long[] shape = e.shape(output);
        int ch = (int) shape[1];
        int hw = (int) (shape[2] * shape[3]);
        Tensor s = Tensor.zeros(n, ch, (int) shape[2], (int) shape[3]);
        for (int b = 0; b < n; b++) {
            Arrays.fill(s.data(), (b * ch + units.get(b)) * hw, (b * ch + units.get(b) + 1) * hw, 1f / hw);
        }
        return s;
    }

    static float[] roll(float[] src, int planes, int h, int w, int dy, int dx) {
        float[] out = new float[src.length];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                int ty = Math.floorMod(y + dy, h);
                for (int x = 0; x < w; x++) {
                    out[p * h * w + ty * w + Math.floorMod(x + dx, w)] = src[p * h * w + y * w + x];
                }
            }
        }
        return out;
    }

    static float[] blur(float[] src, int planes, int h, int w) {
        float[] out = new float[src.length];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    int cnt = 0;
                    for (int yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
                        for (int xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
                            s += src[p * h * w + yy * w + xx];
                            cnt++;
                        }
                    }
                    out[p * h * w + y * w + x] = s / cnt;
                }
            }
        }
        return out;
    }
}
