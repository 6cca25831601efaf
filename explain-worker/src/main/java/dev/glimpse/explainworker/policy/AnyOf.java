package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.List;
import java.util.Optional;

/** Selects when any of its policies does; the reason is that of the first one that selects. */
public record AnyOf(List<ExplanationPolicy> policies) implements ExplanationPolicy {

    public AnyOf {
        policies = List.copyOf(policies);
    }

    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        for (ExplanationPolicy p : policies) {
            Optional<String> r = p.select(prediction, knownLabel);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }
}
