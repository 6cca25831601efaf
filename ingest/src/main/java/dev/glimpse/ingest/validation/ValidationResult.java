package dev.glimpse.ingest.validation;

import dev.glimpse.platform.kafka.DeadLetterReason;

/** The verdict on one payload: accepted with its header facts, or rejected with a machine-readable reason. */
public sealed interface ValidationResult {

    record Accepted(ImageInfo info) implements ValidationResult {
    }

    record Rejected(DeadLetterReason reason, String detail) implements ValidationResult {
    }

    static ValidationResult reject(DeadLetterReason reason, String detail) {
        return new Rejected(reason, detail);
    }
}
