package dev.glimpse.inference;

import ai.onnxruntime.OrtException;

/**
 * What to do when ONNX Runtime fails on a batch, decided by the error code:
 * {@link Action#REBUILD_SESSION} when the execution provider or device failed (the session is unusable),
 * {@link Action#DEAD_LETTER} when the input itself was refused (retrying the same bytes cannot help),
 * {@link Action#RETRY} otherwise (transient runtime failure; the batch is retried, then split record by record).
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
