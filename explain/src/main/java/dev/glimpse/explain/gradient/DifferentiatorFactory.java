package dev.glimpse.explain.gradient;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.exec.SharedWeights;
import dev.glimpse.engine.onnx.Onnx;
import java.util.List;

/** Builds {@link Differentiator}s for a model: the backward graph is built once per (layer, rule). */
@FunctionalInterface
public interface DifferentiatorFactory {

    /**
     * @param logits name of the pre-softmax logits tensor [N,K]
     * @param layer  activation whose value and gradient are wanted, or null for input gradients only
     * @param inputGradient whether d/d(input) is wanted (Grad-CAM only needs the layer: the backward stops there)
     */
    Differentiator create(Onnx.ModelProto model, String logits, String layer, ReluRule rule, boolean inputGradient)
            throws OrtException;

    /**
     * The weights store its CPU sessions borrow a model's weights from, so that the explainer's forward sessions
     * borrow the same copy; null when the factory keeps none.
     */
    default SharedWeights sharedWeights() {
        return null;
    }

    /**
     * How far ONNX Runtime optimises the CPU sessions of a model explained with this factory: the explainer's forward
     * sessions follow its gradient sessions (fast to open for a few calls, fast to run for many).
     */
    default OrtSession.SessionOptions.OptLevel cpuOptimisation() {
        return OrtSession.SessionOptions.OptLevel.ALL_OPT;
    }

    /**
     * A session returning the gradients at several tensors and at the input in one call (standard ReLU rule).
     * Factories that cannot build one say so.
     */
    default LayerGradients createLayerGradients(Onnx.ModelProto model, String logits, List<String> layers)
            throws OrtException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " builds no multi-layer gradient sessions");
    }
}
