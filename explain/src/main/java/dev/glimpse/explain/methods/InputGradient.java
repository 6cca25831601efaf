package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * dy_c/dx for the pre-softmax logit y_c under a ReLU rule, raw [C,H,W]: saliency (standard rule, Simonyan et
 * al. 2014), guided backprop (Springenberg et al. 2015) and deconvnet (Zeiler and Fergus 2014).
 */
public final class InputGradient implements BatchedMethod {

    private final String name;
    private final ReluRule rule;

    private InputGradient(String name, ReluRule rule) {
        this.name = name;
        this.rule = rule;
    }

    public static InputGradient saliency() {
        return new InputGradient("saliency", ReluRule.STANDARD);
    }

    public static InputGradient guided() {
        return new InputGradient("guided", ReluRule.GUIDED);
    }

    public static InputGradient deconvnet() {
        return new InputGradient("deconvnet", ReluRule.DECONVNET);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(null, null, rule);
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        return new Explanation(name, Explanation.Kind.INPUT_ATTRIBUTION, gradient(e, r, rule), Map.of());
    }

    @Override
    public List<Explanation> explainAll(Explainer e, Tensor inputs, int[] targets, String layer, Options options)
            throws OrtException {
        Tensor g = gradients(e, inputs, targets, rule);
        List<Explanation> out = new ArrayList<>(targets.length);
        for (int i = 0; i < targets.length; i++) {
            out.add(new Explanation(name, Explanation.Kind.INPUT_ATTRIBUTION, g.slice(i), Map.of()));
        }
        return out;
    }

    static Tensor gradient(Explainer e, Request r, ReluRule rule) throws OrtException {
        return LayerMaps.first(gradients(e, r.input(), new int[] {r.target()}, rule));
    }

    /** [N,C,H,W] input gradients, row i for target {@code targets[i]}, from one fused call. */
    static Tensor gradients(Explainer e, Tensor inputs, int[] targets, ReluRule rule) throws OrtException {
        return e.gradients(null, null, rule, inputs, e.oneHot(targets)).inputGradient();
    }
}
