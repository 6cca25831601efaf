package dev.glimpse.registry.store;

import dev.glimpse.contracts.events.ModelAnnouncement;

/** Lifecycle state of a stored model version; mirrors {@link ModelAnnouncement.State}. */
public enum ModelState {
    CANDIDATE, SHADOW, PROMOTED, REJECTED, ROLLED_BACK;

    public ModelAnnouncement.State toAnnouncement() {
        return ModelAnnouncement.State.valueOf(name());
    }

    public static ModelState of(ModelAnnouncement.State state) {
        if (state == ModelAnnouncement.State.STATE_UNSPECIFIED || state == ModelAnnouncement.State.UNRECOGNIZED) {
            throw new IllegalArgumentException("model announcement has no state: " + state);
        }
        return valueOf(state.name());
    }
}
