package dev.glimpse.inference;

import dev.glimpse.platform.kafka.DeadLetterReason;

/** What becomes of one image of a scored batch: a prediction, or a dead letter with its reason. */
sealed interface ScoreOutcome permits ScoreOutcome.Predicted, ScoreOutcome.DeadLettered {

    /** ONNX Runtime answered the image. */
    record Predicted(Classifier.Scored scores) implements ScoreOutcome {
    }

    /** The image cannot be answered: a machine-readable reason (the dead letter's and the metric's) and a detail. */
    record DeadLettered(String reason, String detail) implements ScoreOutcome {
    }

    /** The decoder could not turn the record into a model input. */
    static DeadLettered undecodable(PendingImage p) {
        return new DeadLettered(p.failureReason(), p.failureDetail());
    }

    /** ONNX Runtime failed on the image; {@code detail} says how and how often it was tried. */
    static DeadLettered inferenceFailed(String detail) {
        return new DeadLettered(DeadLetterReason.INFERENCE_FAILED.code(), detail);
    }
}
