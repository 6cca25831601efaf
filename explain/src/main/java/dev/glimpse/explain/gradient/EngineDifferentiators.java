package dev.glimpse.explain.gradient;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;

/** {@link DifferentiatorFactory} backed by the engine's ONNX backward graphs. */
public final class EngineDifferentiators implements DifferentiatorFactory {

    @Override
    public Differentiator create(Onnx.ModelProto model, String logits, String layer, ReluRule rule, boolean inputGradient)
            throws OrtException {
        throw new UnsupportedOperationException("gradient methods need the engine's GradientGraphBuilder, not wired yet");
    }
}
