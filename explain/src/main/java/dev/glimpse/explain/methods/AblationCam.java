package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.ort.LayerTail;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Ablation-CAM (Desai and Ramaswamy 2020), gradient-free: channel k of the layer is set to zero and the rest of the
 * network is run again from the layer ({@link LayerTail}); w_k = (y_c - y_c^(k)) / y_c with y_c the target's
 * pre-softmax logit and y_c^(k) the logit with channel k ablated; map = ReLU(sum_k w_k A^k). All C ablations go
 * through the tail in one ONNX Runtime call ({@code ablationcam.batch} caps the ablations per call).
 */
public final class AblationCam implements ExplanationMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.prepareForward(List.of(e.requireLayer(layer)));
        e.tail(layer);
    }

    @Override
    public String name() {
        return "ablationcam";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String layer = e.requireLayer(r.layer());
        Map<String, Tensor> out = e.forward(r.input(), List.of(layer));
        Tensor activation = out.get(layer);
        double y = out.get(e.logitsName()).data()[r.target()];
        int c = activation.dim(1);
        // all ablations in one call, unless the model takes one input per call
        int chunk = r.options().integer("ablationcam.batch", e.maxBatch() == 1 ? 1 : c, 1);
        int hw = activation.dim(2) * activation.dim(3);
        LayerTail tail = e.tail(layer);
        double[] weights = new double[c];
        for (int first = 0; first < c; first += chunk) {
            int n = Math.min(chunk, c - first);
            Tensor ablated = Batches.repeat(activation, n);
            for (int b = 0; b < n; b++) {
                int k = first + b;
                int offset = (b * c + k) * hw;
                Arrays.fill(ablated.data(), offset, offset + hw, 0f);
            }
            Tensor logits = tail.run(ablated, tail.needsInput() ? Batches.repeat(r.input(), n) : null);
            int classes = logits.size() / n;
            for (int b = 0; b < n; b++) {
                weights[first + b] = (y - logits.data()[b * classes + r.target()]) / y;
            }
        }
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, LayerMaps.weightedSum(activation, weights),
                Map.of("ablations", c, "targetLogit", y));
    }
}
