package dev.glimpse.ingest.results;

import dev.glimpse.contracts.events.PredictionResult;
import org.apache.kafka.streams.state.HostInfo;

/** The answer to "what about image X": found, pending, unknown, held by another instance, or not answerable now. */
public sealed interface ResultLookup {

    /** Predicted (explanations and label when present). */
    record Found(PredictionResult result) implements ResultLookup {
    }

    /** Accepted by ingest, not predicted yet. */
    record Pending(String imageId) implements ResultLookup {
    }

    /** Never seen, or older than the retention. */
    record Unknown(String imageId) implements ResultLookup {
    }

    /** Another instance owns the image's partition: ask it. */
    record Elsewhere(HostInfo owner) implements ResultLookup {
    }

    /** The store is being rebuilt or rebalanced; retry shortly. */
    record Unavailable(String reason) implements ResultLookup {
    }
}
