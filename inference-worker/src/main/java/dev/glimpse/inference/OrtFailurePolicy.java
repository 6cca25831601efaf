package dev.glimpse.inference;

import ai.onnxruntime.OrtException;

/**
 * What to do when ONNX Runtime fails on a batch, decided by the error code ({@link BatchScorer} carries it out):
 * {@link Action#REBUILD_SESSION} when the execution provider or device failed (the session is unusable: it is
 * rebuilt and the images run again on the new one),
 * {@link Action#DEAD_LETTER} when the input itself was refused (retrying the same bytes cannot help: the refused
 * images are dead-lettered, a batch split image by image only to find them),
 * {@link Action#RETRY} otherwise (transient runtime failure: the batch is retried a bounded number of times, then
 * split image by image, and the images still failing are dead-lettered).
 */
public final class OrtFailurePolicy {

    public enum Action { RETRY, DEAD_LETTER, REBUILD_SESSION }

    private OrtFailurePolicy() {
    }

    public static Action decide(OrtException e) {
        return switch (e.getCode()) {
            case ORT_EP_FAIL, ORT_DEVICE_RESET, ORT_MODEL_LOADED, ORT_NO_MODEL -> Action.REBUILD_SESSION;
            case ORT_INVALID_ARGUMENT, ORT_NOT_IMPLEMENTED, ORT_INVALID_GRAPH -> Action.DEAD_LETTER;
            default -> Action.RETRY;
        };
    }
}
