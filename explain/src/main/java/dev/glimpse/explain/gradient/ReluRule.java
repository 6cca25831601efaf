package dev.glimpse.explain.gradient;

/** How the backward pass treats ReLU-like ops (Relu, Clip as ReLU6, LeakyRelu). */
public enum ReluRule {
    /** the true gradient */
    STANDARD,
    /** guided backprop: pass where the forward input was positive and the incoming gradient is positive */
    GUIDED,
    /** deconvnet: pass where the incoming gradient is positive */
    DECONVNET
}
