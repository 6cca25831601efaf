package dev.glimpse.client;

import java.util.List;

/**
 * A prediction as the results API answers it: {@code {"id", "model": {"name", "version"}, "top": [...],
 * "latencyMs", "explanations"?: [...]}}.
 *
 * @param latencyMs ingest to prediction, as measured by the pipeline
 */
public record PredictionResult(String id, String modelName, String modelVersion, List<ClassScore> top, long latencyMs,
                               List<ExplanationRef> explanations) {

    public PredictionResult {
        top = List.copyOf(top);
        explanations = List.copyOf(explanations);
    }
}
