package dev.glimpse.registry.swap;

import dev.glimpse.registry.announce.ModelAnnouncer;
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
                 byte[] verifiedBytes, long loadMillis) implements LoadedCandidate, AutoCloseable {
        /**
         * The exact bytes whose sha256 was checked: a caller that serves through its own wrapper (e.g. the inference
         * worker's Classifier) builds it from these, never by re-reading the file.
         */
        @Override
        public byte[] verifiedBytes() {
            return verifiedBytes.clone();
        }

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

        /**
         * The REJECTED announcement to publish on {@code models} (key {@code ModelAnnouncer.key(name, version)}),
         * with the reason prefixed by who rejected it, e.g. {@code worker inference-1: sha-mismatch: ...}.
         */
        public ModelAnnouncement toAnnouncement(String rejectedBy) {
            return announcement.toBuilder()
                    .setState(ModelAnnouncement.State.REJECTED)
                    .setReason(REJECTED_BY_PREFIX + rejectedBy + ": " + reason + ": " + detail)
                    .setAnnouncedAtMs(System.currentTimeMillis())
                    .build();
        }
    }

    /** Prefix of the reason of a rejection published by a serving component (not by the training service). */
    String REJECTED_BY_PREFIX = "worker ";
}
