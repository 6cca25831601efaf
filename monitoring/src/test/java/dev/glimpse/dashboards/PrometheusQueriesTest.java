package dev.glimpse.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.platform.metrics.MetricsServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;

/**
 * A real Prometheus (Debian package {@code prometheus}) scrapes two {@code /metrics} endpoints — the monitoring
 * topology's registry after a TopologyTestDriver run, and the scrape of every service taken during a short real run
 * ({@link LiveServicesRun}, served as taken) — loads alerts.yml, and evaluates every dashboard query and alert rule
 * without error.
 */
@ExtendWith(KafkaBrokerExtension.class)
class PrometheusQueriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldEvaluateEveryDashboardQueryAndRuleOnARealPrometheus(EmbeddedKafkaBroker broker) throws Exception {
        assumeTrue(PrometheusFilesTest.onPath("prometheus"),
                "prometheus is not on PATH (Debian package prometheus; .ci/run installs it)");
        Path dir = Files.createTempDirectory("glimpse-prometheus");
        String servicesScrape = LiveServicesRun.scrape(broker);
        try (MetricsServer monitoring = MetricsServer.start(MetricsServer.newRegistry("monitoring"), "127.0.0.1", 0);
             StaticMetrics services = new StaticMetrics(servicesScrape)) {
            DashboardMetricsTest.feedMonitoring(monitoring.registry());
            Files.copy(DashboardMetricsTest.MODULE.resolve("prometheus/alerts.yml"), dir.resolve("alerts.yml"));
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files: [alerts.yml]
                    scrape_configs:
                      - job_name: glimpse-monitoring
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                      - job_name: glimpse-services
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                    """.formatted(monitoring.port(), services.port()));
            int port = freePort();
            Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + port + "/api/v1/";
                HttpClient http = HttpClient.newHttpClient();
                // Both targets up and a few scrapes in, so that rate() over the last seconds has two samples.
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    JsonNode r = get(http, api + "query?query=" + encode("count_over_time(up[1m]) >= 4 and up == 1"));
                    return r != null && r.path("data").path("result").size() == 2;
                });
                Map<String, String> failures = new TreeMap<>();
                int withData = 0;
                Map<String, String> expressions = DashboardMetricsTest.expressions();
                for (Map.Entry<String, String> e : expressions.entrySet()) {
                    String q = grafanaVariables(e.getValue());
                    JsonNode r = e.getKey().contains("/ variable ") ? null : get(http, api + "query?query=" + encode(q));
                    if (e.getKey().contains("/ variable ")) {
                        continue; // label_values(...) is Grafana syntax, not PromQL
                    }
                    if (r == null || !"success".equals(r.path("status").asText())) {
                        failures.put(e.getKey(), q + " -> " + r);
                    } else if (r.path("data").path("result").size() > 0) {
                        withData++;
                    }
                }
                assertEquals(Map.of(), failures, "queries Prometheus could not evaluate");
                System.out.printf("PrometheusQueriesTest: %d expressions evaluated, %d with data%n", expressions.size(), withData);
                assertTrue(withData >= expressions.size() / 2, withData + " of " + expressions.size() + " queries returned data");

                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    JsonNode rules = get(http, api + "rules");
                    int n = 0;
                    for (JsonNode group : rules.path("data").path("groups")) {
                        for (JsonNode rule : group.path("rules")) {
                            assertEquals("ok", rule.path("health").asText(), rule.path("name") + ": " + rule.path("lastError"));
                            assertTrue(!rule.path("lastEvaluation").asText().startsWith("0001"), rule.path("name") + " not evaluated yet");
                            n++;
                        }
                    }
                    assertTrue(n >= 5, n + " rules loaded");
                });
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Serves one scrape text on /metrics (the services are stopped; Prometheus still scrapes what they exported). */
    private static final class StaticMetrics implements AutoCloseable {
        private final HttpServer server;

        StaticMetrics(String text) throws IOException {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
            server.createContext("/metrics", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (var out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** Grafana's built-in variables replaced by values a plain Prometheus query accepts. */
    static String grafanaVariables(String expr) {
        return expr.replace("$__rate_interval", "10s").replace("$__range", "1m").replace("$model_version", ".*");
    }

    private static JsonNode get(HttpClient http, String uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String encode(String q) {
        return URLEncoder.encode(q, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
