package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.ReluRule;
import java.util.Map;

/** Gradient × input (Shrikumar et al. 2016): x ⊙ dy_c/dx, raw [C,H,W]. */
public final class GradientTimesInput implements ExplanationMethod {

    @Override
    public String name() {
        return "gradxinput";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        Tensor g = InputGradient.gradient(e, r, ReluRule.STANDARD);
        float[] out = new float[g.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = g.data()[i] * r.input().data()[i];
        }
        return new Explanation(name(), Explanation.Kind.INPUT_ATTRIBUTION, new Tensor(g.shape(), out), Map.of());
    }
}
