package dev.glimpse.trainingservice.swap;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.PlacedSession;

/** The outcome of loading an announced model: a session ready to serve, or a rejection with a reason. */
public sealed interface LoadedCandidate {

    ModelAnnouncement announcement();

    /**
     * Verified and warmed up. The receiver owns {@code session} and must close it (after swapping it out, or at once
     * if it decides not to use it).
     */
    record Ready(ModelAnnouncement announcement, PlacedSession session, ModelMetadata metadata, GraphFacts graph,
                 long loadMillis) implements LoadedCandidate, AutoCloseable {
        @Override
        public void close() {
            session.close();
        }
    }

    /**
     * Refused; nothing to close.
     *
     * @param reason machine-readable: {@code unreadable, sha-mismatch, corrupt-model, bad-metadata,
     *               signature-mismatch, non-finite-output, warmup-failed}
     */
    record Rejected(ModelAnnouncement announcement, String reason, String detail) implements LoadedCandidate {
    }
}
