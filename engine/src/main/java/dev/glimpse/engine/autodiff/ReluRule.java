package dev.glimpse.engine.autodiff;

/**
 * How gradients pass backwards through ReLU-like operators (Relu, LeakyRelu, Clip with min 0 such as ReLU6).
 */
public enum ReluRule {
    /** The true derivative. */
    STANDARD,
    /** Guided backpropagation: pass only where the forward input was positive AND the incoming gradient is positive. */
    GUIDED,
    /** Deconvnet: pass only where the incoming gradient is positive (the forward input is ignored). */
    DECONVNET
}
