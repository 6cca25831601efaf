package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.platform.metrics.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MonitoringMetricsTest {

    private static final Pattern BUCKET = Pattern.compile(
            "(?m)^glimpse_monitoring_confidence_percent_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} ([0-9.eE+-]+)$");

    @Test
    void shouldServeACumulativeConfidenceHistogramThatAgreesWithItsCountAndSum() {
        // Given the registry the services serve, and confidences whose buckets are known
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("monitoring");
        MonitoringMetrics metrics = new MonitoringMetrics(registry);
        double[] confidences = {0.05, 0.15, 0.42, 0.42, 0.55, 0.91, 0.93, 0.97, 0.995, 1.0}; // none on a bound
        for (double c : confidences) {
            metrics.onPrediction(new Observation(Observation.Kind.PREDICTION, "fashion", "v1", 3, c, new float[0],
                    Observation.UNKNOWN, Double.NaN, Double.NaN));
        }

        // When scraped
        String text = registry.scrape();

        // Then every bucket counts the confidences <= its bound (computed here independently), cumulatively,
        // and the +Inf bucket equals _count
        Map<String, Double> buckets = new LinkedHashMap<>();
        Matcher m = BUCKET.matcher(text);
        while (m.find()) {
            buckets.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        assertTrue(buckets.size() >= 10, "buckets in\n" + text);
        double previous = 0;
        for (Map.Entry<String, Double> b : buckets.entrySet()) {
            assertTrue(b.getValue() >= previous, "cumulative buckets must not decrease: " + buckets);
            previous = b.getValue();
            if (!b.getKey().equals("+Inf")) {
                double le = Double.parseDouble(b.getKey()) / 100; // the histogram is in percent
                long expected = java.util.Arrays.stream(confidences).filter(c -> c <= le).count();
                assertEquals(expected, b.getValue(), 0, "bucket le=" + le + " in " + buckets);
            }
        }
        assertEquals(confidences.length, buckets.get("+Inf"), 0);
        assertEquals(confidences.length, value(text, "glimpse_monitoring_confidence_percent_count"), 0);
        double sum = java.util.Arrays.stream(confidences).sum();
        assertEquals(100 * sum, value(text, "glimpse_monitoring_confidence_percent_sum"), 1e-4);
    }

    private static double value(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*} ([0-9.eE+-]+)$").matcher(text);
        assertTrue(m.find(), name + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
