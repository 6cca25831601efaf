package dev.glimpse.explain;

import ai.onnxruntime.OrtException;

/** One explanation method; its name is the one used on the command line and in file names. */
public interface ExplanationMethod {

    String name();

    Explanation explain(Explainer explainer, Request request) throws OrtException;

    /**
     * @param input  [1,C,H,W], preprocessed
     * @param target class index
     * @param layer  ONNX tensor name of the layer for CAM-type methods
     */
    record Request(Tensor input, int target, String layer, Options options) {
    }
}
