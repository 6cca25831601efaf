package dev.glimpse.monitoring.internal;

/**
 * The reference of one model version as it is being built: the merged sample of the windows taken so far, how
 * many were taken, where the last one ended (windows overlapping it are skipped, so that with hopping windows
 * no observation is counted twice), and whether it is complete (or came from the model's metadata).
 */
public record ReferenceState(WindowSample sample, int windowsTaken, long lastEndMs, boolean complete,
                             boolean fromMetadata) {
}
