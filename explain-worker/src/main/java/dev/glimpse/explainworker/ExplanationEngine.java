package dev.glimpse.explainworker;

import dev.glimpse.contracts.events.Explanation;
import java.util.List;

/**
 * Computes explanations and stores their artifacts. The worker hands it one micro-batch of items that share a
 * model version and a layer, with any of the methods (each method runs once for all of its items); it returns one
 * result per item, in order. A failure of one item (undecodable
 * image, unknown model version) is reported in its result, not thrown.
 */
public interface ExplanationEngine extends AutoCloseable {

    /** The outcome of one item: the event to publish, or why there is none. */
    record Result(ExplainItem item, Explanation event, String failureReason, String failureDetail) {

        public static Result ok(ExplainItem item, Explanation event) {
            return new Result(item, event, null, null);
        }

        public static Result failed(ExplainItem item, String reason, String detail) {
            return new Result(item, null, reason, detail);
        }

        public boolean succeeded() {
            return event != null;
        }
    }

    List<Result> explain(List<ExplainItem> items);

    /** Where the engine's ONNX Runtime sessions run: {@code cpu} or {@code cuda:N}. */
    default String device() {
        return "cpu";
    }

    /** What {@code explain.device} asked for: {@code cpu}, {@code cuda:N} or {@code auto}. */
    default String requestedDevice() {
        return device();
    }

    /** Model versions whose sessions are all built (readiness, as a metric). */
    default int readyVersions() {
        return 0;
    }

    /** Releases what is held for a model version (its ONNX Runtime sessions). */
    default void retire(ModelKey model) {
    }

    @Override
    default void close() {
    }
}
