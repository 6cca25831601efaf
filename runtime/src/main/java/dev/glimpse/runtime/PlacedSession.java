package dev.glimpse.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * An open ONNX Runtime session together with the device it was asked for and the device it actually runs on
 * ({@code auto} resolves to {@code cpu} or {@code cuda:N}). Closing it closes the session.
 */
public final class PlacedSession implements AutoCloseable {

    private final OrtSession session;
    private final ExecutionDevice requested;
    private final ExecutionDevice actual;
    private final String fallbackReason;

    PlacedSession(OrtSession session, ExecutionDevice requested, ExecutionDevice actual, String fallbackReason) {
        this.session = session;
        this.requested = requested;
        this.actual = actual;
        this.fallbackReason = fallbackReason;
    }

    public OrtSession session() {
        return session;
    }

    /** What the caller asked for: {@code cpu}, {@code cuda:N} or {@code auto}. */
    public ExecutionDevice requested() {
        return requested;
    }

    /** What the session runs on: {@code cpu} or {@code cuda:N}, never {@code auto}. */
    public ExecutionDevice device() {
        return actual;
    }

    /** True when {@code auto} asked for CUDA and got the CPU. */
    public boolean fellBack() {
        return fallbackReason != null;
    }

    /** Why {@code auto} fell back to the CPU, or an empty string. */
    public String fallbackReason() {
        return fallbackReason == null ? "" : fallbackReason;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("could not close ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "session on " + actual + " (requested " + requested + ")";
    }
}
