package dev.glimpse.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Prometheus configuration and alert rules: structure, and {@code promtool} where it is installed. */
class PrometheusFilesTest {

    private static final Path DIR = DashboardMetricsTest.MODULE.resolve("prometheus");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void shouldScrapeEveryServiceOfTheComposeFileOnItsMetricsPort() throws Exception {
        JsonNode config = YAML.readTree(DIR.resolve("prometheus.yml").toFile());
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : config.path("scrape_configs")) {
            for (JsonNode sc : job.path("static_configs")) {
                sc.path("targets").forEach(t -> targets.add(t.asText()));
            }
        }
        for (String service : List.of("ingest", "inference-worker", "inference-worker-gpu", "explain-worker",
                "training-service", "monitoring")) {
            assertTrue(targets.stream().anyMatch(t -> t.startsWith(service + ":")), service + " is not scraped: " + targets);
        }
        assertEquals("alerts.yml", config.path("rule_files").get(0).asText());
    }

    @Test
    void shouldHaveTheFiveAlertsOfTheIssueWithSeverityAndSummary() throws Exception {
        JsonNode rules = YAML.readTree(DIR.resolve("alerts.yml").toFile());
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                alerts.add(rule.path("alert").asText());
                assertTrue(rule.path("labels").has("severity"), rule.path("alert") + " has no severity");
                assertTrue(rule.path("annotations").has("summary"), rule.path("alert") + " has no summary");
            }
        }
        assertTrue(alerts.containsAll(List.of("GlimpseDriftHigh", "GlimpseAccuracyDrop", "GlimpseDeadLetterRateHigh",
                "GlimpseConsumerLagHigh", "GlimpseNoPredictions")), alerts.toString());
    }

    @Test
    void shouldPassPromtoolCheckRules() throws Exception {
        String out = promtool("check", "rules", DIR.resolve("alerts.yml").toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void shouldPassPromtoolCheckConfig() throws Exception {
        String out = promtool("check", "config", DIR.resolve("prometheus.yml").toString());
        assertTrue(out.contains("is valid prometheus config file"), out);
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static String promtool(String... args) throws Exception {
        assumeTrue(onPath("promtool"), "promtool is not on PATH (Debian package prometheus; .ci/run installs it)");
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish in 60 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
