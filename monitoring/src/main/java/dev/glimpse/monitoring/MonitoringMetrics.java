package dev.glimpse.monitoring;

import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.monitoring.internal.WindowSample;
import dev.glimpse.monitoring.internal.ImageMeasurement;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus gauges of the latest evaluated window per model version (drift scores, p-values, alarms, live
 * accuracy, class distribution) and counters of windows and alarms. Names are listed in dashboards/METRICS.md.
 */
public final class MonitoringMetrics implements DriftListener {

    public static final String PSI = "glimpse.drift.psi";
    public static final String JS = "glimpse.drift.js";
    public static final String KS_STATISTIC = "glimpse.drift.ks.statistic";
    public static final String KS_PVALUE = "glimpse.drift.ks.pvalue";
    public static final String MMD = "glimpse.drift.mmd";
    public static final String MMD_PVALUE = "glimpse.drift.mmd.pvalue";
    public static final String ALARM = "glimpse.drift.alarm";
    public static final String ALARMS = "glimpse.drift.alarms";
    public static final String LIVE_ACCURACY = "glimpse.live.accuracy";
    public static final String LIVE_CLASS_ACCURACY = "glimpse.live.class.accuracy";
    public static final String LIVE_LABELED = "glimpse.live.labeled";
    public static final String CLASS_FRACTION = "glimpse.monitoring.class.fraction";
    public static final String WINDOW_PREDICTIONS = "glimpse.monitoring.window.predictions";
    public static final String WINDOWS = "glimpse.monitoring.windows";
    public static final String REFERENCE_READY = "glimpse.monitoring.reference.ready";
    public static final String INPUT_BRIGHTNESS = "glimpse.monitoring.input.brightness";
    public static final String INPUT_CONTRAST = "glimpse.monitoring.input.contrast";
    public static final String MEAN_CONFIDENCE = "glimpse.monitoring.confidence.mean";
    public static final String LATE = "glimpse.monitoring.late.observations";

    /**
     * Histogram of the top-1 probability in percent. Not in [0, 1]: Micrometer's fixed-boundary histograms round
     * every value up to an integer before bucketing, so bounds below 1 put every probability in the bucket le=1.
     * Scaled by 100 with integer bounds, "value <= bound" is exact.
     */
    public static final String CONFIDENCE = "glimpse.monitoring.confidence.percent";
    private static final double[] CONFIDENCE_BUCKETS = {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100};

    private final MeterRegistry registry;
    private final Map<String, DistributionSummary> confidence = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    public MonitoringMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onWindow(DriftEvaluator.WindowId id, WindowSample window, boolean referenceReady,
                         List<DriftReport> reports) {
        Tags version = Tags.of("model_name", id.modelName(), "model_version", id.modelVersion());
        Counter.builder(WINDOWS).description("monitoring windows evaluated").tags(version).register(registry).increment();
        set(WINDOW_PREDICTIONS, version, window.predictions());
        set(REFERENCE_READY, version, referenceReady ? 1 : 0);
        long[] counts = window.classCounts();
        long total = window.predictions();
        for (int c = 0; c < counts.length; c++) {
            set(CLASS_FRACTION, version.and("class", Integer.toString(c)), total == 0 ? 0 : (double) counts[c] / total);
        }
        double[] conf = window.confidences();
        if (conf.length > 0) {
            set(MEAN_CONFIDENCE, version, mean(conf));
        }
        double[] bright = window.brightness();
        if (bright.length > 0) {
            set(INPUT_BRIGHTNESS, version, mean(bright));
            set(INPUT_CONTRAST, version, mean(window.contrast()));
        }
        for (DriftReport r : reports) {
            DriftStatistic statistic = DriftStatistic.fromLabel(r.getStatistic());
            double p = r.getDetailsOrDefault("p_value", Double.NaN);
            switch (statistic) {
                case ACCURACY -> {
                    set(LIVE_ACCURACY, version, r.getValue());
                    set(LIVE_LABELED, version, r.getDetailsOrDefault("labeled", 0));
                    r.getDetailsMap().forEach((k, v) -> {
                        if (k.startsWith("class_")) {
                            set(LIVE_CLASS_ACCURACY, version.and("class", k.substring("class_".length())), v);
                        }
                    });
                }
                case CLASS_PSI -> set(PSI, version, r.getValue());
                case CLASS_JS -> set(JS, version, r.getValue());
                case CONFIDENCE_KS, BRIGHTNESS_KS, CONTRAST_KS -> {
                    Tags input = version.and("input", statistic.label().replace("-ks", ""));
                    set(KS_STATISTIC, input, r.getValue());
                    set(KS_PVALUE, input, p);
                }
                case EMBEDDING_MMD -> {
                    set(MMD, version, r.getValue());
                    set(MMD_PVALUE, version, p);
                }
            }
            if (statistic != DriftStatistic.ACCURACY || referenceReady) {
                set(ALARM, version.and("statistic", statistic.label()), r.getDrifted() ? 1 : 0);
            }
            if (r.getDrifted()) {
                Counter.builder(ALARMS).description("windows in which a drift statistic raised an alarm")
                        .tags(version.and("statistic", statistic.label())).register(registry).increment();
            }
        }
    }

    /** Counted as every stage counts its dead letters: {@code glimpse_deadletter_total{stage="monitoring",reason}}. */
    @Override
    public void onDeadLetter(String reason) {
        DeadLetterPublisher.counter(registry, ImageMeasurement.STAGE, reason).increment();
    }

    @Override
    public void onPrediction(Observation prediction) {
        if (Double.isNaN(prediction.confidence())) {
            return;
        }
        confidence.computeIfAbsent(prediction.versionKey(), k -> DistributionSummary.builder(CONFIDENCE)
                .description("top-1 probability of every prediction, in percent")
                .scale(100)
                .tags("model_name", prediction.modelName(), "model_version", prediction.modelVersion())
                .serviceLevelObjectives(CONFIDENCE_BUCKETS).register(registry)).record(prediction.confidence());
    }

    @Override
    public void onLateObservation(Observation observation) {
        Counter.builder(LATE).description("observations that arrived after their window had closed (left out)")
                .tags("model_name", observation.modelName(), "model_version", observation.modelVersion(),
                        "kind", observation.kind().name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).increment();
    }

    /** Current value of a gauge, NaN when it was never set (for tests and the console). */
    public double value(String name, Tags tags) {
        AtomicLong bits = gauges.get(key(name, tags));
        return bits == null ? Double.NaN : Double.longBitsToDouble(bits.get());
    }

    private void set(String name, Tags tags, double value) {
        AtomicLong bits = gauges.computeIfAbsent(key(name, tags), k -> {
            AtomicLong holder = new AtomicLong(Double.doubleToLongBits(Double.NaN));
            Gauge.builder(name, holder, h -> Double.longBitsToDouble(h.get())).tags(tags).strongReference(true)
                    .register(registry);
            return holder;
        });
        bits.set(Double.doubleToLongBits(value));
    }

    private static String key(String name, Tags tags) {
        return name + tags;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }
}
