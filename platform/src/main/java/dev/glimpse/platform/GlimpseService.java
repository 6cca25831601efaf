package dev.glimpse.platform;

/**
 * One box of the data flow (ingest, inference-worker, explain-worker, training-service, monitoring, console),
 * started by the launcher alone or together with the others in {@code ./glimpse demo}.
 * {@link #start()} returns once the service is running; {@link #close()} stops it and releases everything.
 */
public interface GlimpseService extends AutoCloseable {

    /** Short name used in logs and metrics tags, e.g. {@code inference-worker}. */
    String name();

    void start() throws Exception;

    @Override
    void close();
}
