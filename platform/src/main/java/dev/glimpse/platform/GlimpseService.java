package dev.glimpse.platform;

import java.time.Duration;
import java.util.Optional;

/**
 * One box of the data flow (ingest, inference-worker, explain-worker, training-service, monitoring, console),
 * started by the launcher alone or together with the others in {@code ./glimpse demo}.
 * {@link #start()} returns once the service is running; {@link #close()} stops it and releases everything.
 * The default methods describe a service that is healthy once started and has nothing to wait for or report;
 * a service overrides those that mean something for it, so that the launcher composes services through this
 * interface alone.
 */
public interface GlimpseService extends AutoCloseable {

    /** Short name used in logs and metrics tags, e.g. {@code inference-worker}. */
    String name();

    void start() throws Exception;

    @Override
    void close();

    /** False once the service has stopped by itself (a failure) or was closed. */
    default boolean isRunning() {
        return true;
    }

    /**
     * What {@code /health} says about the service: UP while running, DOWN once stopped. A service that can fall
     * behind (a consumer with lag) says DEGRADED with the reason when it passes its thresholds.
     */
    default Health health() {
        return isRunning() ? Health.up()
                : Health.down(failureCause().map(String::valueOf).orElse("not running"));
    }

    /** A few words for the demo's one-line status (e.g. {@code explain 2.4/s skipped 120 lag 35}); empty = nothing. */
    default Optional<String> statusFragment() {
        return Optional.empty();
    }

    /** Why the service stopped by itself; empty while it runs or when it was closed normally. */
    default Optional<Throwable> failureCause() {
        return Optional.empty();
    }

    /**
     * Waits until the service takes part in the stream (e.g. a consumer has its partitions).
     *
     * @return false when the timeout passed first
     */
    default boolean awaitReady(Duration timeout) throws InterruptedException {
        return true;
    }

    /**
     * Waits until the service has processed everything available to it (no lag, nothing queued).
     *
     * @return false when the timeout passed first or the service stopped
     */
    default boolean awaitIdle(Duration timeout) throws InterruptedException {
        return true;
    }

    /** One line on what the service did, for the end of a bounded run; empty when it has nothing to say. */
    default Optional<String> summaryLine() {
        return Optional.empty();
    }
}
