package dev.glimpse.registry.announce;

import dev.glimpse.contracts.events.ModelAnnouncement;

/** Publishes model lifecycle events (the {@code models} topic in production). */
public interface ModelAnnouncer {

    /**
     * Record key on the compacted {@code models} topic: {@code <name>/<version>}. Compaction thus keeps the latest
     * state of every version (not only of the model), and the serving version is the LAST record in offset order whose
     * state is PROMOTED: a rollback marks the bad version ROLLED_BACK and then re-announces the previous one as
     * PROMOTED, so a worker replaying the compacted topic from the beginning ends on the right model.
     */
    static String key(String modelName, String version) {
        return modelName + "/" + version;
    }

    /** Blocks until the announcement is durably written. */
    void announce(ModelAnnouncement announcement);
}
