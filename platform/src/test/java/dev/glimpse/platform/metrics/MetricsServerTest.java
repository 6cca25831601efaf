package dev.glimpse.platform.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServePrefixedMetricsWithTheServiceTag() throws Exception {
        try (MetricsServer server = MetricsServer.start("ingest", "127.0.0.1", 0)) {
            // Given a counter registered without the prefix and one with it
            Counter.builder("ingest.events").tag("source", "http").register(server.registry()).increment(3);
            Counter.builder("glimpse.deadletter").tag("stage", "ingest").tag("reason", "empty")
                    .register(server.registry()).increment();

            // When Prometheus scrapes
            HttpResponse<String> response = get(server.uri().resolve("/metrics"));

            // Then both carry exactly one glimpse_ prefix, the service tag, and JVM metrics are there too
            assertEquals(200, response.statusCode());
            String body = response.body();
            assertTrue(body.contains("glimpse_ingest_events_total{service=\"ingest\",source=\"http\"} 3.0"), body);
            assertTrue(body.contains("glimpse_deadletter_total{reason=\"empty\",service=\"ingest\",stage=\"ingest\"} 1.0"), body);
            assertTrue(body.contains("glimpse_jvm_memory_used_bytes"), "JVM binders bound");
            assertTrue(body.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).allMatch(l -> l.startsWith("glimpse_")),
                    "every series is prefixed glimpse_");
        }
    }

    @Test
    void shouldReportHealthFromRegisteredChecks() throws Exception {
        try (MetricsServer server = MetricsServer.start("worker", "127.0.0.1", 0)) {
            AtomicBoolean kafka = new AtomicBoolean(true);
            server.addHealthCheck("kafka", kafka::get);

            HttpResponse<String> up = get(server.uri().resolve("/health"));
            assertEquals(200, up.statusCode());
            assertEquals("{\"status\":\"UP\",\"checks\":{\"kafka\":\"UP\"}}\n", up.body());

            kafka.set(false);
            server.addHealthCheck("model", () -> {
                throw new IllegalStateException("boom");
            });
            HttpResponse<String> down = get(server.uri().resolve("/health"));
            assertEquals(503, down.statusCode());
            // a check that throws is DOWN with the exception as its reason
            assertEquals("{\"status\":\"DOWN\",\"checks\":{\"kafka\":\"DOWN\",\"model\":\"DOWN\"},"
                    + "\"reasons\":{\"model\":\"java.lang.IllegalStateException: boom\"}}\n", down.body());
        }
    }
}
