package dev.glimpse.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlNamesTest {

    @Test
    void shouldFindMetricNamesButNotLabelsFunctionsOrQuotedText() {
        String expr = "histogram_quantile(0.95, sum by (le, method) (rate(glimpse_explanation_duration_seconds_bucket"
                + "{method=~\"glimpse_fake.*\"}[$__rate_interval]))) / ignoring(x) glimpse_other:recorded";
        assertEquals(Set.of("glimpse_explanation_duration_seconds_bucket", "glimpse_other:recorded"), PromQlNames.of(expr));
    }

    @Test
    void shouldIgnoreGrafanaVariablesThatLookLikeMetrics() {
        assertEquals(Set.of("glimpse_drift_psi"), PromQlNames.of("glimpse_drift_psi{model_version=~\"$model_version\"} > $glimpse_threshold"));
    }

    @Test
    void shouldReadSeriesNamesFromAnExposition() {
        String text = "# HELP x\n# TYPE glimpse_a_total counter\nglimpse_a_total{service=\"s\"} 1.0\nglimpse_b 2\n\n";
        assertEquals(Set.of("glimpse_a_total", "glimpse_b"), ScrapedNames.of(text));
    }
}
