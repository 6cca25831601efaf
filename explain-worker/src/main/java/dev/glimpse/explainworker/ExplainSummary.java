package dev.glimpse.explainworker;

import java.util.Locale;
import java.util.Map;

/**
 * Figures for the demo summary: predictions selected, explanations published, failures, and per method the mean faithfulness scores and the
 * pointing-game hit rate (on images that carried a ground-truth mask); predictions skipped to keep up, by reason.
 */
public record ExplainSummary(long selected, long explanations, long failures, Map<String, MethodFigures> methods,
                             Map<String, Long> skipped) {

    public record MethodFigures(long count, double meanDeletionAuc, double meanAverageDrop, long pointingHits,
                                long pointingTotal) {
        public double pointingHitRate() {
            return pointingTotal == 0 ? Double.NaN : pointingHits / (double) pointingTotal;
        }
    }

    public MethodFigures method(String name) {
        return methods.getOrDefault(name, new MethodFigures(0, Double.NaN, Double.NaN, 0, 0));
    }

    /** One line for the demo summary, e.g. {@code explanations 900 · gradcam deletion AUC 0.21 ...}. */
    public String line() {
        StringBuilder b = new StringBuilder("explained ").append(selected).append(" selected predictions: ")
                .append(explanations).append(" explanations, ").append(failures).append(" failures");
        if (!skipped.isEmpty()) {
            b.append(", skipped ").append(skipped.values().stream().mapToLong(Long::longValue).sum()).append(' ').append(skipped);
        }
        methods.forEach((name, m) -> {
            if (!Double.isNaN(m.meanDeletionAuc())) {
                b.append(String.format(Locale.ROOT, " | %s: n=%d deletion-AUC %.3f avg-drop %.3f", name, m.count(),
                        m.meanDeletionAuc(), m.meanAverageDrop()));
                if (m.pointingTotal() > 0) {
                    b.append(String.format(Locale.ROOT, " pointing %d/%d = %.3f", m.pointingHits(), m.pointingTotal(),
                            m.pointingHitRate()));
                }
            } else {
                b.append(String.format(Locale.ROOT, " | %s: n=%d", name, m.count()));
            }
        });
        return b.toString();
    }
}
