package dev.glimpse.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.MonitoringMetrics;
import dev.glimpse.monitoring.MonitoringTopology;
import dev.glimpse.monitoring.ReferenceLookup;
import dev.glimpse.platform.metrics.MetricsServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.testing.KafkaBrokerExtension;

/**
 * Every metric a Grafana dashboard or an alert rule reads must be one the services export. "Exported" = a scrape of
 * all services after real work ({@link LiveServicesRun}); a metric that only appears on an event such a short run
 * does not produce (a rollback, a shadow model) must at least be registered in a service's main sources
 * ({@link SourceMeters}) and be listed in {@link #EVENT_ONLY} with the reason. The monitoring topology is also
 * scraped after a TopologyTestDriver run. dashboards/METRICS.md is the list people read; it must cover every
 * referenced metric and name only real ones.
 */
@ExtendWith(KafkaBrokerExtension.class)
class DashboardMetricsTest {

    /** Referenced metrics a short run of the services does not export, each with the event that creates it. */
    static final Map<String, String> EVENT_ONLY = Map.of(
            "glimpse_drift_alarms_total", "counted only in a window that drifted (the run is not shifted)",
            "glimpse_explain_failures_total", "counted only when an explanation fails",
            "glimpse_explain_skipped_total", "counted only when the explain worker sheds load (over capacity, or past explain.max.age.ms)",
            "glimpse_inference_dead_letters_total", "counted only when the worker dead-letters an image ingest accepted",
            "glimpse_shadow_accuracy", "set only while a candidate serves as shadow (training.shadow.fraction > 0)",
            "glimpse_shadow_agreement", "set only while a candidate serves as shadow (training.shadow.fraction > 0)",
            "glimpse_lifecycle_live_accuracy", "set once the rollback guard has counted labeled predictions of a promoted retrained version",
            "glimpse_training_images_skipped_total", "counted only for malformed image events",
            "glimpse_training_records_skipped_total", "counted only for malformed records");

    /** The repository root (tests run in the monitoring module's folder). */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** The dashboards folder: Grafana dashboards, Prometheus rules and METRICS.md, files only. */
    static final Path MODULE = ROOT.resolve("dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static Set<String> live;
    private static Set<String> scanned;
    private static Set<String> running;

    @BeforeAll
    static void exportedMetrics(EmbeddedKafkaBroker broker) throws Exception {
        live = liveMonitoringScrape();
        scanned = SourceMeters.prometheusNames(SourceMeters.scan(ROOT));
        running = LiveServicesRun.names(broker);
    }

    @Test
    void shouldFindEveryReferencedMetricInAScrapeOfAllServicesAfterRealWork() throws IOException {
        // Given the scrape of every service after a short run, and what dashboards and alert rules read
        Map<String, Set<String>> referenced = referencedMetrics();

        // Then each referenced metric was served, or is a known event-only metric the sources do register
        Map<String, Set<String>> missing = new TreeMap<>();
        referenced.forEach((name, where) -> {
            // the monitoring topology's own scrape (TopologyTestDriver) counts as a real run of that service
            boolean served = running.contains(name) || live.contains(name);
            if (!served && !(EVENT_ONLY.containsKey(name) && scanned.contains(name))) {
                missing.put(name, where);
            }
        });
        long served = referenced.keySet().stream().filter(running::contains).count();
        System.out.printf("DashboardMetricsTest: %d of %d referenced metrics served by the live run (%s)%n", served,
                referenced.size(), LiveServicesRun.summary());
        assertEquals(Map.of(), missing, "referenced but not served by the live run of all services "
                + "(nor an event-only metric found in the sources); " + LiveServicesRun.summary());
    }

    @Test
    void shouldServeTheMonitoringSeriesOnALiveMetricsEndpoint() {
        for (String name : List.of("glimpse_drift_psi", "glimpse_drift_js", "glimpse_drift_ks_statistic",
                "glimpse_drift_ks_pvalue", "glimpse_drift_mmd", "glimpse_drift_mmd_pvalue", "glimpse_drift_alarm",
                "glimpse_live_accuracy", "glimpse_live_class_accuracy", "glimpse_monitoring_confidence_percent_bucket",
                "glimpse_monitoring_class_fraction", "glimpse_monitoring_windows_total")) {
            assertTrue(live.contains(name), name + " missing from the live scrape " + live);
        }
    }

    @Test
    void shouldFindTheMonitoringMetersInTheSourcesAsTheyAreServed() {
        // The source scan is the evidence for the other services: it must agree with the live scrape here.
        Set<String> liveMonitoring = new TreeSet<>(live);
        liveMonitoring.removeIf(n -> !(n.startsWith("glimpse_drift") || n.startsWith("glimpse_live")
                || n.startsWith("glimpse_monitoring")));
        Set<String> missing = new TreeSet<>(liveMonitoring);
        missing.removeAll(scanned);
        assertEquals(Set.of(), missing, "served but not found by the source scan");
    }

    @Test
    void shouldReferenceOnlyExportedMetricsInDashboardsAndAlertRules() throws IOException {
        Map<String, Set<String>> referenced = referencedMetrics();
        assertTrue(referenced.size() > 40, "dashboards and rules reference " + referenced.size() + " metrics");
        Map<String, Set<String>> notExported = new TreeMap<>();
        referenced.forEach((name, where) -> {
            if (!live.contains(name) && !scanned.contains(name)) {
                notExported.put(name, where);
            }
        });
        assertEquals(Map.of(), notExported, "referenced by dashboards/rules but exported by no service");
    }

    @Test
    void shouldListEveryReferencedMetricInMetricsMdAndOnlyExportedOnes() throws IOException {
        Set<String> listed = metricsMd();
        Set<String> unlisted = new TreeSet<>(referencedMetrics().keySet());
        unlisted.removeAll(listed);
        assertEquals(Set.of(), unlisted, "referenced by dashboards/rules but not listed in dashboards/METRICS.md");
        Set<String> stale = new TreeSet<>(listed);
        stale.removeAll(live);
        stale.removeAll(scanned);
        assertEquals(Set.of(), stale, "listed in dashboards/METRICS.md but exported by no service");
    }

    /** Metric name to the files (and panels/rules) that read it. */
    static Map<String, Set<String>> referencedMetrics() throws IOException {
        Map<String, Set<String>> refs = new TreeMap<>();
        for (Map.Entry<String, String> e : expressions().entrySet()) {
            for (String name : PromQlNames.of(e.getValue())) {
                refs.computeIfAbsent(name, k -> new TreeSet<>()).add(e.getKey());
            }
        }
        return refs;
    }

    /** Every PromQL expression of the dashboards and the alert rules, keyed by where it is. */
    static Map<String, String> expressions() throws IOException {
        Map<String, String> exprs = new TreeMap<>();
        for (Path file : dashboards()) {
            JsonNode d = JSON.readTree(file.toFile());
            for (JsonNode panel : d.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    exprs.put(file.getFileName() + " / " + panel.path("title").asText() + " / " + target.path("refId").asText(),
                            target.path("expr").asText());
                }
            }
            for (JsonNode var : d.path("templating").path("list")) {
                if (var.path("type").asText().equals("query")) {
                    exprs.put(file.getFileName() + " / variable " + var.path("name").asText(), var.path("definition").asText());
                }
            }
        }
        JsonNode rules = YAML.readTree(MODULE.resolve("prometheus/alerts.yml").toFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                exprs.put("alerts.yml / " + rule.path("alert").asText(), rule.path("expr").asText());
            }
        }
        return exprs;
    }

    static List<Path> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(MODULE.resolve("grafana/dashboards"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** Names in METRICS.md's tables: the first column, in backticks. */
    static Set<String> metricsMd() throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\|\\s*`(glimpse_[a-z0-9_]+)`").matcher(Files.readString(MODULE.resolve("METRICS.md")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Runs the monitoring topology until windows close, serving its registry over HTTP, and scrapes /metrics. */
    static Set<String> liveMonitoringScrape() throws Exception {
        try (MetricsServer server = MetricsServer.start(MetricsServer.newRegistry("monitoring"), "127.0.0.1", 0)) {
            feedMonitoring(server.registry());
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.uri() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            return ScrapedNames.of(response.body());
        }
    }

    /** Predictions (some labeled, some with late labels) through the monitoring topology until windows close. */
    static void feedMonitoring(MeterRegistry registry) {
        TopicCatalog topics = TopicCatalog.defaults();
        MonitoringConfig config = MonitoringConfig.from(Map.of(MonitoringConfig.REFERENCE_WINDOWS, "1",
                MonitoringConfig.MIN_WINDOW_EVENTS, "5"));
        StreamsBuilder builder = new StreamsBuilder();
        MonitoringTopology.createMonitoringTopology(builder, config, topics, ReferenceLookup.NONE,
                new MonitoringMetrics(registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, Prediction> predictions = driver.createInputTopic(topics.predictions().name(),
                    Serdes.String().serializer(), topics.predictions().valueSerde().serializer());
            TestInputTopic<String, Label> labels = driver.createInputTopic(topics.labels().name(),
                    Serdes.String().serializer(), topics.labels().valueSerde().serializer());
            SplittableRandom random = new SplittableRandom(1);
            Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
            for (int i = 0; i < 400; i++) {
                Prediction.Builder p = Prediction.newBuilder().setImageId("i" + i).setModelName("m").setModelVersion("v1")
                        .setLabel(i % 2 == 0 ? random.nextInt(3) : -1)
                        .addTopK(ClassScore.newBuilder().setClassIndex(random.nextInt(3)).setProbability((float) random.nextDouble()));
                for (int d = 0; d < 4; d++) {
                    p.addEmbedding((float) random.nextDouble());
                }
                Instant t = t0.plusMillis(i * 1000L);
                predictions.pipeInput("i" + i, p.build(), t);
                if (i % 2 == 1) {
                    labels.pipeInput("i" + i, Label.newBuilder().setImageId("i" + i).setLabel(1).build(), t.plusSeconds(1));
                }
            }
        }
    }

    /** Prints the exported names (to write METRICS.md). */
    public static void main(String[] args) throws Exception {
        List<SourceMeters.Meter> meters = SourceMeters.scan(ROOT);
        Map<String, List<String>> sources = new TreeMap<>();
        meters.forEach(m -> sources.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m.type() + " " + m.source()));
        sources.forEach((k, v) -> System.out.println(k + " " + new TreeSet<>(v)));
        System.out.println(SourceMeters.prometheusNames(meters));
    }
}
