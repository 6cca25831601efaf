package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * Runs one service from the command line until Ctrl-C / SIGTERM, with its /metrics and /health endpoint.
 * Open it before the service in one try-with-resources: the service then closes first, the metrics endpoint
 * next, and only after that is the JVM shutdown hook released, so brokers and transactions end cleanly.
 */
final class ServiceRunner implements AutoCloseable {

    private final ShutdownSignal shutdown;
    private final PrometheusMeterRegistry registry;
    private final MetricsServer metrics;

    /** Metrics of {@code service} on {@code port} of the bind address of {@code http}; 0 = any free port, -1 = none. */
    ServiceRunner(String service, HttpSettings http, int port) {
        shutdown = new ShutdownSignal();
        try {
            registry = MetricsServer.newRegistry(service);
            metrics = port >= 0 ? MetricsServer.start(registry, http, port) : null;
        } catch (RuntimeException e) {
            shutdown.close();
            throw e;
        }
    }

    /** Metrics endpoint where the service's configuration says ({@code http.bind}, {@code metrics.port}). */
    static ServiceRunner forConfig(String service, Config config) {
        return new ServiceRunner(service, HttpSettings.from(config), config.getInt(PlatformConfig.METRICS_PORT));
    }

    /** The registry the service records into, served on /metrics. */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    void addHealthCheck(String name, BooleanSupplier check) {
        if (metrics != null) {
            metrics.addHealthCheck(name, check);
        }
    }

    /** {@code "; metrics on <uri>/metrics"} for the start-up line, empty when the endpoint is off. */
    String metricsNote() {
        return metrics != null ? "; metrics on " + metrics.boundAddress() + "/metrics" : "";
    }

    /** Blocks until Ctrl-C / SIGTERM. */
    void awaitShutdown() throws InterruptedException {
        awaitShutdown(() -> true);
    }

    /**
     * Blocks until Ctrl-C / SIGTERM (true) or until {@code running} turns false, checked every second (false:
     * the service stopped by itself).
     */
    boolean awaitShutdown(BooleanSupplier running) throws InterruptedException {
        while (!shutdown.await(1000)) {
            if (!running.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        try {
            if (metrics != null) {
                metrics.close();
            }
        } finally {
            shutdown.close();
        }
    }
}
