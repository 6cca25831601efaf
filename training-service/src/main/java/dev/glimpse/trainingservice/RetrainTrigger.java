package dev.glimpse.trainingservice;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides when a training run is due: after every {@code everyExamples} new labeled examples, every
 * {@code interval} (if there is new data), on a drift report, or on an operator request. Thread-safe.
 */
public final class RetrainTrigger {
    private final long everyExamples;
    private final Duration interval;
    private long newExamples;
    private Instant lastRun;
    private String pendingRequest;

    /**
     * @param everyExamples 0 disables the count trigger
     * @param interval      zero disables the schedule
     */
    public RetrainTrigger(long everyExamples, Duration interval, Instant start) {
        if (everyExamples < 0) {
            throw new IllegalArgumentException("retrain every N examples must be >= 0, got " + everyExamples);
        }
        if (interval == null || interval.isNegative()) {
            throw new IllegalArgumentException("retrain interval must be >= 0, got " + interval);
        }
        this.everyExamples = everyExamples;
        this.interval = interval;
        this.lastRun = start;
    }

    public synchronized void onExamples(long n) {
        newExamples += n;
    }

    /** An operator asked for a run (HTTP or CLI). */
    public synchronized void request(String reason) {
        pendingRequest = reason;
    }

    public synchronized void onDrift(String detail) {
        if (pendingRequest == null) {
            pendingRequest = "drift: " + detail;
        }
    }

    /** The reason a run is due now, or empty. */
    public synchronized Optional<String> due(Instant now) {
        if (pendingRequest != null) {
            return Optional.of(pendingRequest);
        }
        if (everyExamples > 0 && newExamples >= everyExamples) {
            return Optional.of("every-n: " + newExamples + " new examples");
        }
        if (!interval.isZero() && newExamples > 0 && !now.isBefore(lastRun.plus(interval))) {
            return Optional.of("schedule: " + interval);
        }
        return Optional.empty();
    }

    /** A run started now: its triggers are consumed. */
    public synchronized void started(Instant now) {
        newExamples = 0;
        pendingRequest = null;
        lastRun = now;
    }

    public synchronized long newExamples() {
        return newExamples;
    }
}
