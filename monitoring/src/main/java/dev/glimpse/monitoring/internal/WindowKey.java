package dev.glimpse.monitoring.internal;

/** One closed window of one model version: {@code [startMs, endMs)} of event time. */
public record WindowKey(String versionKey, long startMs, long endMs) {
}
