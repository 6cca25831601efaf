package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.Optional;

/** Explains predictions whose top-1 probability is below a threshold. */
public record LowConfidence(double threshold) implements ExplanationPolicy {

    public LowConfidence {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("low-confidence threshold must be in (0, 1], got '" + threshold + "'");
        }
    }

    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        if (prediction.getTopKCount() == 0) {
            return Optional.empty();
        }
        return prediction.getTopK(0).getProbability() < threshold ? Optional.of("low-confidence") : Optional.empty();
    }
}
