package dev.glimpse.platform.metrics;

import dev.glimpse.platform.http.HttpCall;
import dev.glimpse.platform.http.HttpServer;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.http.Routes;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Serves a Micrometer Prometheus registry over HTTP: {@code GET /metrics} (Prometheus text format) and
 * {@code GET /health} (JSON, 200 when every registered check passes, 503 otherwise).
 * Every meter name is prefixed {@code glimpse_} and carries the common tag {@code service}.
 */
public final class MetricsServer implements AutoCloseable {

    public static final String PREFIX = "glimpse.";

    private final PrometheusMeterRegistry registry;
    private final Map<String, BooleanSupplier> healthChecks = new ConcurrentHashMap<>();
    private HttpServer server;

    private MetricsServer(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * A Prometheus registry with Glimpse's conventions: names prefixed {@code glimpse.} (rendered {@code glimpse_}),
     * common tag {@code service}, JVM and process metrics bound.
     */
    public static PrometheusMeterRegistry newRegistry(String service) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Filters must be in place before the first meter is registered.
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith(PREFIX) ? id : id.withName(PREFIX + id.getName());
            }
        });
        // Kafka clients report some metrics per client and, once they have fetched, per topic/partition under the same
        // name; Kafka Streams names its state-store metrics alike for every store type, tagged by type
        // (in.memory.state.id, in.memory.window.state.id ...). Prometheus needs one tag key set per name, and the
        // binders of several clients (each service's, in the demo) share one registry, so whichever registered first
        // won and the others were refused with a warning. Keep client-, thread- and task-level meters only: the
        // dashboards read client-level lag, not per-topic or per-store series.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith(PREFIX + "kafka.")
                && id.getTags().stream().anyMatch(t -> t.getKey().equals("topic") || t.getKey().equals("partition")
                        || t.getKey().endsWith(".state.id"))));
        registry.config().commonTags(Tags.of("service", service));
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        // JvmGcMetrics listens to GC notifications for the life of the JVM; one per registry is the intended use.
        @SuppressWarnings("resource")
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** Starts a server for a new registry of {@code service} on {@code host}; port 0 picks a free port. */
    public static MetricsServer start(String service, String host, int port) {
        return start(newRegistry(service), host, port);
    }

    /** Serves {@code registry} on {@code host:port} with the default HTTP settings. */
    public static MetricsServer start(PrometheusMeterRegistry registry, String host, int port) {
        return start(registry, HttpSettings.defaults().withBind(host), port);
    }

    /** Serves {@code registry} on {@code port} of the bind address (and TLS) of {@code settings}. */
    public static MetricsServer start(PrometheusMeterRegistry registry, HttpSettings settings, int port) {
        MetricsServer metrics = new MetricsServer(registry);
        metrics.server = HttpServer.builder("metrics", settings).port(port)
                .routes(new Routes().get("/metrics", metrics::serveMetrics).get("/health", metrics::serveHealth))
                .start();
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public MeterRegistry meterRegistry() {
        return registry;
    }

    public int port() {
        return server.port();
    }

    /** Where a client on this host reaches the endpoint ({@code http://127.0.0.1:port} when bound to every interface). */
    public URI uri() {
        return server.uri();
    }

    /** The address actually bound, for start-up lines. */
    public String boundAddress() {
        return server.boundAddress();
    }

    /** Adds a named check to {@code /health}; a check that throws counts as failing. */
    public void addHealthCheck(String name, BooleanSupplier check) {
        healthChecks.put(name, check);
    }

    public String scrape() {
        return registry.scrape();
    }

    private void serveMetrics(HttpCall call) {
        call.sendText(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }

    private void serveHealth(HttpCall call) {
        Map<String, Boolean> results = new TreeMap<>();
        healthChecks.forEach((name, check) -> {
            boolean ok;
            try {
                ok = check.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            results.put(name, ok);
        });
        boolean up = results.values().stream().allMatch(b -> b);
        StringBuilder json = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":{");
        String sep = "";
        for (var e : results.entrySet()) {
            json.append(sep).append('"').append(e.getKey().replace("\"", "'")).append("\":\"")
                    .append(e.getValue() ? "UP" : "DOWN").append('"');
            sep = ",";
        }
        json.append("}}\n");
        call.sendText(up ? 200 : 503, "application/json", json.toString());
    }

    /** Stops the HTTP server; the registry stays usable (it may be shared). */
    @Override
    public void close() {
        server.close();
    }
}
