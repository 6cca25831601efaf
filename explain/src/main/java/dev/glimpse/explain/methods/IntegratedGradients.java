package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.Differentiator;
import java.util.Arrays;
import java.util.Map;

/**
 * Integrated gradients (Sundararajan et al. 2017) on the target logit: (x - x') ⊙ the mean gradient at the
 * midpoints x' + (i + 1/2)/m (x - x'), i = 0..m-1 (all m points in one batched fused call when m fits the
 * batch limit), with a constant
 * baseline x' (integrated-gradients.baseline, default 0) and m = integrated-gradients.steps (32). Reports the
 * completeness gap sum(IG) - (y(x) - y(x')), which shrinks as steps grow.
 */
public final class IntegratedGradients implements ExplanationMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(null, null, ReluRule.STANDARD);
    }

    @Override
    public String name() {
        return "integrated-gradients";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        int m = r.options().integer("integrated-gradients.steps", 32, 1);
        double baselineValue = r.options().real("integrated-gradients.baseline", 0, -Double.MAX_VALUE);
        Tensor x = r.input();
        int per = x.size();
        int[] batchShape = x.shape().clone();
        batchShape[0] = m;
        float[] points = new float[m * per];
        for (int s = 0; s < m; s++) {
            double alpha = (s + 0.5) / m;
            for (int i = 0; i < per; i++) {
                points[s * per + i] = (float) (baselineValue + alpha * (x.data()[i] - baselineValue));
            }
        }
        Differentiator.Pass pass = e.gradients(null, null, ReluRule.STANDARD, new Tensor(batchShape, points), e.oneHot(m, r.target()));
        float[] ig = new float[per];
        for (int s = 0; s < m; s++) {
            for (int i = 0; i < per; i++) {
                ig[i] += pass.inputGradient().data()[s * per + i] / m;
            }
        }
        double sum = 0;
        for (int i = 0; i < per; i++) {
            ig[i] *= (float) (x.data()[i] - baselineValue);
            sum += ig[i];
        }
        float[] baseline = new float[per];
        Arrays.fill(baseline, (float) baselineValue);
        double yBaseline = e.logits(new Tensor(x.shape().clone(), baseline)).data()[r.target()];
        double yInput = e.logits(x).data()[r.target()];
        double gap = sum - (yInput - yBaseline);
        int[] shape = Arrays.copyOfRange(x.shape(), 1, x.rank());
        return new Explanation(name(), Explanation.Kind.INPUT_ATTRIBUTION, new Tensor(shape, ig), Map.of(
                "steps", m, "baseline", baselineValue, "attributionSum", sum, "logitDifference", yInput - yBaseline,
                "completenessGap", gap));
    }
}
