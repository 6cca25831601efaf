package dev.glimpse.explain.gradient;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Tensor;

/**
 * One fused forward + backward call: for a batch of inputs and a seed on the logits (y = sum seed * logits,
 * per sample), returns the logits, the chosen layer's activation, dy/d(activation) and dy/d(input).
 * Implementations keep their ONNX Runtime session open until {@link #close()}.
 */
public interface Differentiator extends AutoCloseable {

    record Pass(Tensor logits, Tensor activation, Tensor activationGradient, Tensor inputGradient) {
    }

    /**
     * @param input batch [N,C,H,W]
     * @param seed  [N,K] weights on the logits (one-hot on the target for Grad-CAM)
     */
    Pass run(Tensor input, Tensor seed) throws OrtException;

    /** Where the session runs: {@code cpu} or {@code cuda:N}. */
    default String device() {
        return "cpu";
    }

    @Override
    void close() throws OrtException;
}
