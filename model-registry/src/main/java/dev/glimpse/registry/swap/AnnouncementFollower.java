package dev.glimpse.registry.swap;

import java.util.List;
import java.util.Optional;
import dev.glimpse.contracts.events.ModelAnnouncement;

/**
 * What a serving worker does with each record of the {@code models} topic, read in offset order from the beginning
 * (the topic is compacted with key {@code <name>/<version>}; the serving version is the last PROMOTED record).
 * Pure bookkeeping, no I/O: the worker loads/swaps/stops according to the returned action. Not thread-safe: call it
 * from the one thread that polls {@code models}.
 */
public final class AnnouncementFollower {

    /** What to do after an announcement. */
    public enum Action {
        /** load {@code announcement} in the background and swap it in between batches when Ready */
        LOAD_AND_SWAP,
        /** load it in the background and answer its shadow fraction of traffic to the shadow topic */
        START_SHADOW,
        /** stop and close the shadow model */
        STOP_SHADOW,
        /** nothing to do (other model, version already serving, CANDIDATE, state of a version not in use) */
        IGNORE
    }

    private final String modelName;
    private String serving;
    private String shadow;

    /**
     * @param servingVersion version the worker serves at start (from its model file's metadata), or null
     */
    public AnnouncementFollower(String modelName, String servingVersion) {
        this.modelName = modelName;
        this.serving = servingVersion;
    }

    public Action onAnnouncement(ModelAnnouncement a) {
        if (!a.getModelName().equals(modelName)) {
            return Action.IGNORE;
        }
        String v = a.getVersion();
        switch (a.getState()) {
            case PROMOTED -> {
                if (v.equals(shadow)) {
                    shadow = null;
                }
                if (v.equals(serving)) {
                    return Action.IGNORE;
                }
                return Action.LOAD_AND_SWAP;
            }
            case SHADOW -> {
                if (v.equals(serving) || v.equals(shadow)) {
                    return Action.IGNORE;
                }
                shadow = v;
                return Action.START_SHADOW;
            }
            case REJECTED, ROLLED_BACK -> {
                if (v.equals(shadow)) {
                    shadow = null;
                    return Action.STOP_SHADOW;
                }
                // a rolled-back serving version is followed by the PROMOTED record of its replacement
                return Action.IGNORE;
            }
            default -> {
                return Action.IGNORE;
            }
        }
    }

    /** Call when a LOAD_AND_SWAP model actually went live (after the swap, not when loading started). */
    public void swapped(String version) {
        serving = version;
    }

    /** Call when a LOAD_AND_SWAP or START_SHADOW model was rejected by the loader. */
    public void rejected(String version) {
        if (version.equals(shadow)) {
            shadow = null;
        }
    }

    /**
     * At start, after reading {@code models} to its end: the announcement that should serve (the last PROMOTED one of
     * this model), so a worker loads one model instead of replaying every historical promotion.
     */
    public static Optional<ModelAnnouncement> lastPromoted(String modelName,
                                                                    List<ModelAnnouncement> inOffsetOrder) {
        ModelAnnouncement last = null;
        for (ModelAnnouncement a : inOffsetOrder) {
            if (a.getModelName().equals(modelName) && a.getState() == ModelAnnouncement.State.PROMOTED) {
                last = a;
            }
        }
        return Optional.ofNullable(last);
    }

    public String serving() {
        return serving;
    }

    public String shadow() {
        return shadow;
    }
}
