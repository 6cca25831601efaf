package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.FaithfulnessScores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ExplainMetricsTest {

    @Test
    void shouldBucketFaithfulnessScoresByTheirValueInPercent() {
        // Given deletion AUCs recorded for Grad-CAM
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ExplainMetrics metrics = new ExplainMetrics(registry);
        List<Double> scores = List.of(0.03, 0.33, 0.36, 0.77, 0.95);
        for (double s : scores) {
            metrics.committed(Explanation.newBuilder().setImageId("i").addArtifacts(Artifact.newBuilder()
                    .setMethod("gradcam").setFaithfulness(FaithfulnessScores.newBuilder().setDeletionAuc((float) s)
                            .setAverageDrop(0.5f))).build());
        }

        // When Prometheus scrapes
        Map<String, Double> buckets = new TreeMap<>();
        Pattern le = Pattern.compile("le=\"([^\"]+)\"");
        registry.scrape().lines()
                .filter(l -> l.startsWith("glimpse_explanation_faithfulness_percent_bucket{") && l.contains("score=\"deletion_auc\""))
                .forEach(l -> {
                    Matcher m = le.matcher(l);
                    if (m.find()) {
                        buckets.put(m.group(1), Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)));
                    }
                });

        // Then every bucket counts the scores at or below its bound (counted independently here), +Inf all of them
        for (Map.Entry<String, Double> b : buckets.entrySet()) {
            double bound = b.getKey().equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.getKey());
            long expected = scores.stream().filter(s -> (float) (double) s * 100 <= bound + 1e-6).count();
            assertEquals(expected, b.getValue(), "bucket le=" + b.getKey() + " of " + buckets);
        }
        assertEquals(12, buckets.size(), "11 bounds and +Inf: " + buckets);
        assertEquals(3.0, buckets.get("40.0"), buckets.toString());
    }
}
