package dev.glimpse.explain;

import ai.onnxruntime.OrtException;

/** One explanation method; its name is the one used on the command line and in file names. */
public interface ExplanationMethod {

    String name();

    Explanation explain(Explainer explainer, Request request) throws OrtException;

    /**
     * Builds every ONNX Runtime session {@link #explain} will use on {@code layer} (cached by the explainer), so that a
     * model can be made ready when it is loaded rather than on its first request. Methods that need no session
     * besides the logits do nothing.
     */
    default void prepare(Explainer explainer, String layer) throws OrtException {
    }

    /**
     * @param input  [1,C,H,W], preprocessed
     * @param target class index
     * @param layer  ONNX tensor name of the layer for CAM-type methods
     */
    record Request(Tensor input, int target, String layer, Options options) {
    }
}
