package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.Optional;

/**
 * Decides which predictions the worker explains on its own (on-demand requests bypass the policy).
 * A policy is a pure function of the prediction and the label known for its image, so a prediction
 * re-delivered after a crash is selected again with the same reason.
 */
public interface ExplanationPolicy {

    /** No label is known for the image. */
    int NO_LABEL = -1;

    /**
     * @param prediction the prediction
     * @param knownLabel the image's label (from the image or the labels topic), or {@link #NO_LABEL}
     * @return the reason it is selected (all, sample, low-confidence, disagreement), or empty
     */
    Optional<String> select(Prediction prediction, int knownLabel);

    /** The random-sampling rate among its terms (0 when it does not sample); the worker's budget may lower it. */
    default double sampleRate() {
        return 0;
    }

    /** Parses a policy spec; see {@link PolicySpec}. */
    static ExplanationPolicy parse(String spec) {
        return PolicySpec.parse(spec);
    }
}
