package dev.glimpse.explain;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.List;

/**
 * A method that explains a whole batch of inputs with one ONNX Runtime call per pass instead of one call per input:
 * every gradient session accepts any batch and the seed carries each input's own target class, so a micro-batch
 * of N predictions costs one fused forward+backward run rather than N.
 */
public interface BatchedMethod extends ExplanationMethod {

    /**
     * @param inputs  [N,C,H,W], preprocessed
     * @param targets the target class of each input (length N)
     * @param layer   ONNX tensor name of the layer for CAM-type methods
     * @return one explanation per input, in input order, each exactly what {@link #explain} gives for that input alone
     */
    List<Explanation> explainAll(Explainer explainer, Tensor inputs, int[] targets, String layer, Options options)
            throws OrtException;

    /** Runs {@code method} on every input: batched when it supports it, else one input at a time. */
    static List<Explanation> run(ExplanationMethod method, Explainer explainer, Tensor inputs, int[] targets, String layer,
                                 Options options) throws OrtException {
        if (inputs.dim(0) != targets.length) {
            throw new IllegalArgumentException(inputs.dim(0) + " inputs but " + targets.length + " targets");
        }
        if (method instanceof BatchedMethod b) {
            return b.explainAll(explainer, inputs, targets, layer, options);
        }
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            out.add(method.explain(explainer, new Request(Batches.range(inputs, i, i + 1), targets[i], layer, options)));
        }
        return out;
    }
}
