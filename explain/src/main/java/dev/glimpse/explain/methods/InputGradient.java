package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.ReluRule;
import java.util.Map;

/**
 * dy_c/dx for the pre-softmax logit y_c under a ReLU rule, raw [C,H,W]: saliency (standard rule, Simonyan et
 * al. 2014), guided backprop (Springenberg et al. 2015) and deconvnet (Zeiler and Fergus 2014).
 */
public final class InputGradient implements ExplanationMethod {

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
    public Explanation explain(Explainer e, Request r) throws OrtException {
        return new Explanation(name, Explanation.Kind.INPUT_ATTRIBUTION, gradient(e, r, rule), Map.of());
    }

    static Tensor gradient(Explainer e, Request r, ReluRule rule) throws OrtException {
        return LayerMaps.first(e.gradients(null, null, rule, r.input(), e.oneHot(1, r.target())).inputGradient());
    }
}
