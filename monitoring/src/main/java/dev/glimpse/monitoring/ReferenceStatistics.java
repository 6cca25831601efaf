package dev.glimpse.monitoring;

import dev.glimpse.monitoring.internal.WindowSample;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reference statistics as flat {@code metrics} entries of a model's {@code model.json} (or ONNX
 * {@code glimpse.metrics}), so that the training data's statistics can travel with the model:
 * <ul>
 *   <li>{@code reference.events}: how many examples the statistics describe;</li>
 *   <li>{@code reference.class_fraction.<c>}: fraction of examples predicted as class c;</li>
 *   <li>{@code reference.accuracy}: accuracy on those examples;</li>
 *   <li>{@code reference.confidence.q<pp>}, {@code reference.brightness.q<pp>}, {@code reference.contrast.q<pp>}:
 *       the 0th..100th percentiles (101 values), which stand in for the sample in the KS tests.</li>
 * </ul>
 * Embeddings do not fit in flat metrics: the embedding reference is always taken from the first windows.
 */
public final class ReferenceStatistics {

    public static final String PREFIX = "reference.";
    private static final int QUANTILES = 101;

    private ReferenceStatistics() {
    }

    /** The flat metrics describing a sample (for the training service to store with a model). */
    public static Map<String, Double> toMetrics(WindowSample sample) {
        Map<String, Double> m = new TreeMap<>();
        m.put(PREFIX + "events", (double) sample.predictions());
        long[] counts = sample.classCounts();
        long total = Arrays.stream(counts).sum();
        for (int c = 0; c < counts.length && total > 0; c++) {
            m.put(PREFIX + "class_fraction." + c, (double) counts[c] / total);
        }
        if (sample.labeled() > 0) {
            m.put(PREFIX + "accuracy", sample.accuracy());
        }
        putQuantiles(m, "confidence", sample.confidences());
        putQuantiles(m, "brightness", sample.brightness());
        putQuantiles(m, "contrast", sample.contrast());
        return m;
    }

    /** The sample a model's metrics describe; empty when they hold no {@code reference.events}. */
    public static Optional<WindowSample> fromMetrics(Map<String, Double> metrics, MonitoringConfig config) {
        Double events = metrics.get(PREFIX + "events");
        if (events == null || events < 1) {
            return Optional.empty();
        }
        long n = Math.round(events);
        WindowSample.Builder b = WindowSample.builder(config.sampleSize(), config.embeddingSampleSize() * config.referenceWindows(),
                config.seed() + 7);
        long[] counts = new long[0];
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(PREFIX + "class_fraction.")) {
                int c = parseClass(key, key.substring((PREFIX + "class_fraction.").length()));
                counts = Arrays.copyOf(counts, Math.max(counts.length, c + 1));
                counts[c] = Math.round(e.getValue() * n);
            }
        }
        b.predictions(n).classCounts(counts);
        Double accuracy = metrics.get(PREFIX + "accuracy");
        if (accuracy != null) {
            b.accuracy(n, accuracy);
        }
        b.confidences(quantiles(metrics, "confidence"));
        b.inputs(quantiles(metrics, "brightness"), quantiles(metrics, "contrast"));
        return Optional.of(b.build());
    }

    private static void putQuantiles(Map<String, Double> m, String what, double[] values) {
        if (values.length == 0) {
            return;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int q = 0; q < QUANTILES; q++) {
            // Nearest-rank percentile: the smallest value with at least q % of the sample at or below it.
            int rank = (int) Math.ceil(q / 100.0 * sorted.length);
            m.put(String.format("%s%s.q%03d", PREFIX, what, q), sorted[Math.max(0, rank - 1)]);
        }
    }

    private static double[] quantiles(Map<String, Double> metrics, String what) {
        double[] v = new double[QUANTILES];
        int found = 0;
        for (int q = 0; q < QUANTILES; q++) {
            Double x = metrics.get(String.format("%s%s.q%03d", PREFIX, what, q));
            if (x != null) {
                v[found++] = x;
            }
        }
        return Arrays.copyOf(v, found);
    }

    private static int parseClass(String key, String text) {
        try {
            int c = Integer.parseInt(text);
            if (c < 0 || c > 100_000) {
                throw new NumberFormatException();
            }
            return c;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model metric '" + key + "' must end in a class index, got '" + text + "'");
        }
    }
}
