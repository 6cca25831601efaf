package dev.glimpse.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Grafana dashboards and provisioning files: well-formed and covering what the issue asks each to show. */
class GrafanaFilesTest {

    private static final Path DIR = DashboardMetricsTest.MODULE.resolve("grafana");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void shouldHaveUniqueUidsPanelIdsAndAQueryInEveryPanel() throws Exception {
        Set<String> uids = new HashSet<>();
        for (Path file : DashboardMetricsTest.dashboards()) {
            JsonNode d = JSON.readTree(file.toFile());
            assertTrue(uids.add(d.path("uid").asText()), "duplicate uid in " + file);
            assertFalse(d.path("title").asText().isEmpty(), file + " has no title");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : d.path("panels")) {
                assertTrue(ids.add(panel.path("id").asInt()), file + ": duplicate panel id " + panel.path("id"));
                assertTrue(panel.path("targets").size() > 0, file + ": panel '" + panel.path("title").asText() + "' has no query");
                assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), "panels use the datasource variable");
                for (JsonNode t : panel.path("targets")) {
                    assertFalse(t.path("expr").asText().isBlank(), file + ": empty query in '" + panel.path("title").asText() + "'");
                }
            }
        }
        assertEquals(4, uids.size(), "pipeline, model, explanations, training");
    }

    @Test
    void shouldShowWhatTheIssueAsksOnEachDashboard() throws Exception {
        assertReads("glimpse-pipeline.json", "glimpse_inference_events_total", "glimpse_consumer_lag_records",
                "glimpse_inference_end_to_end_seconds", "glimpse_inference_batch_size_bucket", "glimpse_deadletter_total");
        assertReads("glimpse-model.json", "glimpse_inference_model_info", "glimpse_live_accuracy",
                "glimpse_live_class_accuracy", "glimpse_monitoring_confidence_percent_bucket", "glimpse_monitoring_class_fraction",
                "glimpse_drift_psi", "glimpse_drift_js", "glimpse_drift_ks_statistic", "glimpse_drift_ks_pvalue",
                "glimpse_drift_mmd", "glimpse_drift_mmd_pvalue", "glimpse_drift_alarm");
        assertReads("glimpse-explanations.json", "glimpse_explanations_total", "glimpse_explanation_faithfulness_percent_sum",
                "glimpse_pointing_game_hit_rate");
        assertReads("glimpse-training.json", "glimpse_training_runs_total", "glimpse_holdout_accuracy",
                "glimpse_model_transitions_total");
    }

    @Test
    void shouldProvisionThePrometheusDatasourceAndTheDashboardFolder() throws Exception {
        JsonNode ds = YAML.readTree(DIR.resolve("provisioning/datasources/prometheus.yml").toFile());
        JsonNode prometheus = ds.path("datasources").get(0);
        assertEquals("prometheus", prometheus.path("type").asText());
        assertEquals("http://prometheus:9090", prometheus.path("url").asText());
        JsonNode providers = YAML.readTree(DIR.resolve("provisioning/dashboards/glimpse.yml").toFile());
        assertEquals("/var/lib/grafana/dashboards/glimpse", providers.path("providers").get(0).path("options").path("path").asText());
    }

    private static void assertReads(String dashboard, String... metrics) throws Exception {
        Set<String> read = new TreeSet<>();
        JsonNode d = JSON.readTree(DIR.resolve("dashboards").resolve(dashboard).toFile());
        for (JsonNode panel : d.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                read.addAll(PromQlNames.of(t.path("expr").asText()));
            }
        }
        for (String m : List.of(metrics)) {
            assertTrue(read.contains(m), dashboard + " does not show " + m + "; it reads " + read);
        }
    }
}
