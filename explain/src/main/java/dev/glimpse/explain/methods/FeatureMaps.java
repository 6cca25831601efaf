package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The layer's activations for the input, raw [C',H',W'] (rendered as a grid of channels). */
public final class FeatureMaps implements BatchedMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.prepareForward(List.of(e.requireLayer(layer)));
    }

    @Override
    public String name() {
        return "featuremaps";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        return explainAll(e, r.input(), new int[] {r.target()}, r.layer(), r.options()).get(0);
    }

    @Override
    public List<Explanation> explainAll(Explainer e, Tensor inputs, int[] targets, String layer, Options options)
            throws OrtException {
        String l = e.requireLayer(layer);
        Tensor a = e.forward(inputs, List.of(l)).get(l);
        List<Explanation> out = new ArrayList<>(targets.length);
        for (int i = 0; i < targets.length; i++) {
            out.add(new Explanation(name(), Explanation.Kind.FEATURE_MAPS, a.slice(i), Map.of()));
        }
        return out;
    }
}
