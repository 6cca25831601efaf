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

/** Gradient × input (Shrikumar et al. 2016): x ⊙ dy_c/dx, raw [C,H,W]. */
public final class GradientTimesInput implements BatchedMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(null, null, ReluRule.STANDARD);
    }

    @Override
    public String name() {
        return "gradxinput";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        return explainAll(e, r.input(), new int[] {r.target()}, r.layer(), r.options()).get(0);
    }

    @Override
    public List<Explanation> explainAll(Explainer e, Tensor inputs, int[] targets, String layer, Options options)
            throws OrtException {
        Tensor g = InputGradient.gradients(e, inputs, targets, ReluRule.STANDARD);
        List<Explanation> out = new ArrayList<>(targets.length);
        for (int i = 0; i < targets.length; i++) {
            Tensor gi = g.slice(i);
            Tensor xi = inputs.slice(i);
            float[] v = new float[gi.size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = gi.data()[j] * xi.data()[j];
            }
            out.add(new Explanation(name(), Explanation.Kind.INPUT_ATTRIBUTION, new Tensor(gi.shape(), v), Map.of()));
        }
        return out;
    }
}
