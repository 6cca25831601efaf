package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.util.Optional;

/** Explains predictions whose top-1 class differs from the image's known label. */
public record LabelDisagreement() implements ExplanationPolicy {
    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        int label = knownLabel >= 0 ? knownLabel : prediction.getLabel();
        if (label < 0 || prediction.getTopKCount() == 0) {
            return Optional.empty();
        }
        return prediction.getTopK(0).getClassIndex() != label ? Optional.of("disagreement") : Optional.empty();
    }
}
