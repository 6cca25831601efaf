package dev.glimpse.engine.autodiff;

import java.util.Set;

/**
 * The reverse-mode rule of one ONNX operator: given the gradients of the node's outputs, emits ONNX nodes computing
 * the gradients of its inputs. Implementations live in {@code dev.glimpse.engine.autodiff.rules}, one class per
 * operator family, registered in {@link GradientRules}.
 */
public interface GradientRule {

    /** The operator types this rule handles (default domain). */
    Set<String> opTypes();

    /**
     * Emits the backward nodes of {@code b.node()}. For every input {@code i} with {@code b.needsGrad(i)} it calls
     * {@code b.addGrad(i, tensor)} (inputs it cannot reach may be left out; they get no contribution).
     * {@code b.gradOut(k)} is null for outputs no gradient flows into.
     */
    void backward(Backward b);

    /**
     * Why this rule cannot differentiate {@code b.node()} (e.g. an attribute value it does not support), or null when
     * it can. Checked for every node before anything is emitted so that all problems are reported at once.
     */
    default String unsupportedReason(Backward b) {
        return null;
    }
}
