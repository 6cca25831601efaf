package dev.glimpse.inference;

import dev.glimpse.runtime.ModelMetadata;
import java.util.List;
import java.util.Map;

/**
 * A batch answered by ONNX Runtime on the scoring thread, waiting for the commit thread to send it: the images
 * (failed ones included, so their dead letters and offsets go in the same transaction), each image's outcome, and
 * the model the predictions must name. The shadow part is null when no shadow model answered.
 */
record ScoredBatch(List<PendingImage> images, Map<PendingImage, ScoreOutcome> outcomes, AnsweringModel model,
                   long batchStartMs, long inferenceNanos, int good, Shadow shadow) {

    /** The timings the batch's predictions carry. */
    BatchTiming timing() {
        return new BatchTiming(batchStartMs, inferenceNanos / 1_000_000, good);
    }

    /** The shadow model's answers to its share of a batch. */
    record Shadow(List<PendingImage> images, List<Classifier.Scored> scored, ModelMetadata metadata, String name,
                  String version, long inferenceMs) {
    }
}
