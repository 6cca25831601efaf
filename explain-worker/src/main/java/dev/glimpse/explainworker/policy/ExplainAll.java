package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.Optional;

/** Explains every prediction. */
public record ExplainAll() implements ExplanationPolicy {
    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        return Optional.of("all");
    }
}
