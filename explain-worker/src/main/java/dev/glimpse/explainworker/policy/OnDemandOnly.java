package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.Optional;

/** Explains nothing by itself: only on-demand requests (console, HTTP) produce explanations. */
public record OnDemandOnly() implements ExplanationPolicy {
    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        return Optional.empty();
    }
}
