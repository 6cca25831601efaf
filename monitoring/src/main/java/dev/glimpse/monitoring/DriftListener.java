package dev.glimpse.monitoring;

import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.monitoring.internal.WindowSample;
import java.util.List;

/** Told about every evaluated window (the Prometheus gauges are one listener). Called on a stream thread. */
public interface DriftListener {

    DriftListener NONE = (id, window, referenceReady, reports) -> {
    };

    void onWindow(DriftEvaluator.WindowId id, WindowSample window, boolean referenceReady, List<DriftReport> reports);

    /** Every prediction as it is read (before windowing): for live histograms. */
    default void onPrediction(Observation prediction) {
    }

    /** An image the topology dead-lettered (e.g. {@code too-many-pixels}), by reason. */
    default void onDeadLetter(String reason) {
    }

    /** An observation that arrived after its window had closed and was left out of it. */
    default void onLateObservation(Observation observation) {
    }
}
