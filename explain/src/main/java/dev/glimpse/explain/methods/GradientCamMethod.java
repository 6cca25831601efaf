package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.Differentiator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CAM variants that need A (the layer activation) and dy_c/dA from one fused call with a one-hot seed
 * on the pre-softmax logit of the target; subclasses only say how A and the gradient become a map.
 */
abstract class GradientCamMethod implements BatchedMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(null, e.requireLayer(layer), ReluRule.STANDARD);
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        return explainAll(e, r.input(), new int[] {r.target()}, r.layer(), r.options()).get(0);
    }

    @Override
    public List<Explanation> explainAll(Explainer e, Tensor inputs, int[] targets, String layer, Options options)
            throws OrtException {
        String l = e.requireLayer(layer);
        Differentiator.Pass pass = e.gradients(null, l, ReluRule.STANDARD, inputs, e.oneHot(targets));
        List<Explanation> out = new ArrayList<>(targets.length);
        for (int i = 0; i < targets.length; i++) {
            Tensor map = map(Batches.range(pass.activation(), i, i + 1), Batches.range(pass.activationGradient(), i, i + 1));
            out.add(new Explanation(name(), Explanation.Kind.LAYER_MAP, map, Map.of()));
        }
        return out;
    }

    /** @param activation [1,C,h,w] @param gradient [1,C,h,w] @return [h,w] */
    abstract Tensor map(Tensor activation, Tensor gradient);
}
