package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.util.List;
import java.util.Map;

/** The layer's activations for the input, raw [C',H',W'] (rendered as a grid of channels). */
public final class FeatureMaps implements ExplanationMethod {

    @Override
    public String name() {
        return "featuremaps";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String layer = e.requireLayer(r.layer());
        Tensor a = e.forward(r.input(), List.of(layer)).get(layer);
        return new Explanation(name(), Explanation.Kind.FEATURE_MAPS, LayerMaps.first(a), Map.of());
    }
}
