package dev.glimpse.explain.gradient;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Tensor;
import java.util.Map;

/**
 * One fused forward + backward call that returns dy/dT for several tensors T of the graph at once (FullGrad needs
 * the gradient at the output of every layer with a bias), besides dy/d(input); y = sum seed * logits per sample.
 */
public interface LayerGradients extends AutoCloseable {

    /**
     * @param logits        [N,K]
     * @param inputGradient dy/d(input), [N,C,H,W]
     * @param layerGradients dy/dT per requested tensor T, each [N, ...] like T
     */
    record Pass(Tensor logits, Tensor inputGradient, Map<String, Tensor> layerGradients) {
    }

    Pass run(Tensor input, Tensor seed) throws OrtException;

    @Override
    void close() throws OrtException;
}
