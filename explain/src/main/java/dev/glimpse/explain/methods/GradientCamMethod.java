package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.Differentiator;
import dev.glimpse.explain.gradient.ReluRule;
import java.util.Map;

/**
 * The CAM variants that need A (the layer activation) and dy_c/dA from one fused call with a one-hot seed
 * on the pre-softmax logit of the target; subclasses only say how A and the gradient become a map.
 */
abstract class GradientCamMethod implements ExplanationMethod {

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String layer = e.requireLayer(r.layer());
        Differentiator.Pass pass = e.gradients(null, layer, ReluRule.STANDARD, r.input(), e.oneHot(1, r.target()));
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, map(pass.activation(), pass.activationGradient()), Map.of());
    }

    /** @param activation [1,C,h,w] @param gradient [1,C,h,w] @return [h,w] */
    abstract Tensor map(Tensor activation, Tensor gradient);
}
