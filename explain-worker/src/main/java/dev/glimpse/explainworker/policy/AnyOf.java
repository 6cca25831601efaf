package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Selects when any of its policies does; the reason is that of the first one that selects, random sampling
 * asked last: a prediction that is both low-confidence and sampled is selected as low-confidence, which keeps its
 * priority when the worker's budget lowers the sample rate.
 */
public record AnyOf(List<ExplanationPolicy> policies) implements ExplanationPolicy {

    public AnyOf {
        List<ExplanationPolicy> ordered = new ArrayList<>(policies);
        ordered.sort(Comparator.comparing(p -> p instanceof SampleRate));
        policies = List.copyOf(ordered);
    }

    @Override
    public double sampleRate() {
        return policies.stream().mapToDouble(ExplanationPolicy::sampleRate).max().orElse(0);
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
