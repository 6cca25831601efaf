package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * SmoothGrad (Smilkov et al. 2017): the mean input gradient over n noisy copies x + N(0, (sigma (max - min))^2),
 * all copies in one batched fused call. Options: smoothgrad.samples (25), smoothgrad.sigma (0.15),
 * smoothgrad.seed (0).
 */
public final class SmoothGrad implements ExplanationMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(null, null, ReluRule.STANDARD);
    }

    @Override
    public String name() {
        return "smoothgrad";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        int n = r.options().integer("smoothgrad.samples", 25, 1);
        double sigma = r.options().real("smoothgrad.sigma", 0.15, 0);
        Random random = new Random(r.options().integer("smoothgrad.seed", 0, 0));
        Tensor x = r.input();
        double std = sigma * (x.max() - x.min());
        Tensor batch = Batches.repeat(x, n);
        for (int i = 0; i < batch.size(); i++) {
            batch.data()[i] += (float) (random.nextGaussian() * std);
        }
        Tensor g = e.gradients(null, null, ReluRule.STANDARD, batch, e.oneHot(n, r.target())).inputGradient();
        int per = x.size();
        float[] mean = new float[per];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < per; i++) {
                mean[i] += g.data()[s * per + i] / n;
            }
        }
        int[] shape = Arrays.copyOfRange(x.shape(), 1, x.rank());
        return new Explanation(name(), Explanation.Kind.INPUT_ATTRIBUTION, new Tensor(shape, mean),
                Map.of("samples", n, "sigma", sigma));
    }
}
