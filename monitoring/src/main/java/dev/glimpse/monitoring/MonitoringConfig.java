package dev.glimpse.monitoring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Settings of the monitoring topology, validated once. Every key is defined in {@link #KEYS} with its default;
 * a bad value fails with the key and the quoted value.
 *
 * @param windowSize           length of one monitoring window (event time)
 * @param windowHop            advance between windows; equal to the size for tumbling windows
 * @param windowGrace          how long a window waits for late records before it is closed and evaluated
 * @param labelJoinWindow      how far apart a prediction and its late label may be to be joined
 * @param sourceIdle           an input partition that sent nothing for this long (wall clock) no longer holds the
 *                             windows open; when every partition is that quiet, event time follows the wall clock
 * @param referenceWindows     non-overlapping windows that form the reference when the model has none recorded
 * @param minWindowEvents      a window with fewer predictions is reported but never raises an alarm
 * @param alpha                significance level of the KS and MMD tests (alarm when p < alpha)
 * @param psiThreshold         class-distribution alarm when PSI exceeds it (0.2 is the customary "significant shift")
 * @param jsThreshold          class-distribution alarm when Jensen–Shannon divergence (bits) exceeds it
 * @param accuracyDrop         accuracy alarm when live accuracy falls this far below the reference accuracy
 * @param sampleSize           bounded reservoir of confidences and input statistics kept per window
 * @param embeddingSampleSize  bounded reservoir of embeddings kept per window (and per side of the MMD test)
 * @param mmdPermutations      permutations of the MMD test
 * @param seed                 seed of the reservoirs and permutations, so that a replay gives the same reports
 */
public record MonitoringConfig(Duration windowSize, Duration windowHop, Duration windowGrace, Duration labelJoinWindow,
                               Duration sourceIdle, int referenceWindows, int minWindowEvents, double alpha, double psiThreshold,
                               double jsThreshold, double accuracyDrop, int sampleSize, int embeddingSampleSize,
                               int mmdPermutations, long seed) {

    public static final String WINDOW_SIZE_MS = "monitoring.window.size.ms";
    public static final String WINDOW_HOP_MS = "monitoring.window.hop.ms";
    public static final String WINDOW_GRACE_MS = "monitoring.window.grace.ms";
    public static final String LABEL_JOIN_WINDOW_MS = "monitoring.label.join.window.ms";
    public static final String SOURCE_IDLE_MS = "monitoring.source.idle.ms";
    public static final String REFERENCE_WINDOWS = "monitoring.reference.windows";
    public static final String MIN_WINDOW_EVENTS = "monitoring.min.window.events";
    public static final String ALPHA = "monitoring.alpha";
    public static final String PSI_THRESHOLD = "monitoring.psi.threshold";
    public static final String JS_THRESHOLD = "monitoring.js.threshold";
    public static final String ACCURACY_DROP = "monitoring.accuracy.drop";
    public static final String SAMPLE_SIZE = "monitoring.sample.size";
    public static final String EMBEDDING_SAMPLE_SIZE = "monitoring.embedding.sample.size";
    public static final String MMD_PERMUTATIONS = "monitoring.mmd.permutations";
    public static final String SEED = "monitoring.seed";

    /** Every key with its default value and one-line doc. */
    public static final Map<String, String[]> KEYS;

    static {
        Map<String, String[]> k = new LinkedHashMap<>();
        k.put(WINDOW_SIZE_MS, new String[] {"60000", "length of one monitoring window in ms of event time"});
        k.put(WINDOW_HOP_MS, new String[] {"60000", "advance between windows in ms (= size: tumbling)"});
        k.put(WINDOW_GRACE_MS, new String[] {"5000", "wait for late records before a window is evaluated, ms"});
        k.put(LABEL_JOIN_WINDOW_MS, new String[] {"600000", "max time between a prediction and its label, ms"});
        k.put(SOURCE_IDLE_MS, new String[] {"30000", "an input partition quiet this long (wall clock, ms) stops holding windows open"});
        k.put(REFERENCE_WINDOWS, new String[] {"3", "windows forming the reference when the model has none"});
        k.put(MIN_WINDOW_EVENTS, new String[] {"50", "windows with fewer predictions never alarm"});
        k.put(ALPHA, new String[] {"0.002", "significance level of the KS and MMD drift tests"});
        k.put(PSI_THRESHOLD, new String[] {"0.2", "PSI above which the class distribution has drifted"});
        k.put(JS_THRESHOLD, new String[] {"0.1", "Jensen-Shannon divergence (bits) above which it has drifted"});
        k.put(ACCURACY_DROP, new String[] {"0.1", "accuracy alarm when live accuracy < reference - this"});
        k.put(SAMPLE_SIZE, new String[] {"1000", "reservoir of confidences/input statistics per window"});
        k.put(EMBEDDING_SAMPLE_SIZE, new String[] {"100", "reservoir of embeddings per window and MMD side"});
        k.put(MMD_PERMUTATIONS, new String[] {"999", "permutations of the MMD test"});
        k.put(SEED, new String[] {"20260101", "seed of reservoirs and permutations"});
        KEYS = java.util.Collections.unmodifiableMap(k); // insertion order: the reference lists keys as defined
    }

    public MonitoringConfig {
        requirePositive(WINDOW_SIZE_MS, windowSize.toMillis());
        requirePositive(WINDOW_HOP_MS, windowHop.toMillis());
        if (windowHop.compareTo(windowSize) > 0) {
            throw new IllegalArgumentException(WINDOW_HOP_MS + " must be <= " + WINDOW_SIZE_MS + ", got '"
                    + windowHop.toMillis() + "' > '" + windowSize.toMillis() + "'");
        }
        if (windowGrace.isNegative()) {
            throw new IllegalArgumentException(WINDOW_GRACE_MS + " must be >= 0, got '" + windowGrace.toMillis() + "'");
        }
        requirePositive(LABEL_JOIN_WINDOW_MS, labelJoinWindow.toMillis());
        requirePositive(SOURCE_IDLE_MS, sourceIdle.toMillis());
        requirePositive(REFERENCE_WINDOWS, referenceWindows);
        requirePositive(MIN_WINDOW_EVENTS, minWindowEvents);
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException(ALPHA + " must be in (0, 1), got '" + alpha + "'");
        }
        requirePositive(PSI_THRESHOLD, psiThreshold);
        if (!(jsThreshold > 0 && jsThreshold <= 1)) {
            throw new IllegalArgumentException(JS_THRESHOLD + " must be in (0, 1], got '" + jsThreshold + "'");
        }
        if (!(accuracyDrop > 0 && accuracyDrop < 1)) {
            throw new IllegalArgumentException(ACCURACY_DROP + " must be in (0, 1), got '" + accuracyDrop + "'");
        }
        if (sampleSize < 2) {
            throw new IllegalArgumentException(SAMPLE_SIZE + " must be >= 2, got '" + sampleSize + "'");
        }
        if (embeddingSampleSize < 2) {
            throw new IllegalArgumentException(EMBEDDING_SAMPLE_SIZE + " must be >= 2, got '" + embeddingSampleSize + "'");
        }
        requirePositive(MMD_PERMUTATIONS, mmdPermutations);
        if (1.0 / (mmdPermutations + 1) >= alpha) {
            // The smallest permutation p-value is 1/(B+1): with fewer permutations the MMD test could never alarm.
            throw new IllegalArgumentException(MMD_PERMUTATIONS + " must be >= 1/" + ALPHA + " (= " + (long) Math.ceil(1 / alpha)
                    + ") so that the MMD test can reach p < alpha, got '" + mmdPermutations + "'");
        }
    }

    /** Defaults of every key. */
    public static MonitoringConfig defaults() {
        return from(Map.of());
    }

    /** Reads the keys of {@link #KEYS} from the map (missing keys take their defaults; other keys are ignored). */
    public static MonitoringConfig from(Map<String, String> values) {
        Function<String, String> get = key -> {
            String v = values.get(key);
            return v == null ? KEYS.get(key)[0] : v.trim();
        };
        return new MonitoringConfig(
                Duration.ofMillis(parseLong(WINDOW_SIZE_MS, get.apply(WINDOW_SIZE_MS))),
                Duration.ofMillis(parseLong(WINDOW_HOP_MS, get.apply(WINDOW_HOP_MS))),
                Duration.ofMillis(parseLong(WINDOW_GRACE_MS, get.apply(WINDOW_GRACE_MS))),
                Duration.ofMillis(parseLong(LABEL_JOIN_WINDOW_MS, get.apply(LABEL_JOIN_WINDOW_MS))),
                Duration.ofMillis(parseLong(SOURCE_IDLE_MS, get.apply(SOURCE_IDLE_MS))),
                (int) parseLong(REFERENCE_WINDOWS, get.apply(REFERENCE_WINDOWS)),
                (int) parseLong(MIN_WINDOW_EVENTS, get.apply(MIN_WINDOW_EVENTS)),
                parseDouble(ALPHA, get.apply(ALPHA)),
                parseDouble(PSI_THRESHOLD, get.apply(PSI_THRESHOLD)),
                parseDouble(JS_THRESHOLD, get.apply(JS_THRESHOLD)),
                parseDouble(ACCURACY_DROP, get.apply(ACCURACY_DROP)),
                (int) parseLong(SAMPLE_SIZE, get.apply(SAMPLE_SIZE)),
                (int) parseLong(EMBEDDING_SAMPLE_SIZE, get.apply(EMBEDDING_SAMPLE_SIZE)),
                (int) parseLong(MMD_PERMUTATIONS, get.apply(MMD_PERMUTATIONS)),
                parseLong(SEED, get.apply(SEED)));
    }

    /** A copy with tumbling windows of the given size (hop = size). */
    public MonitoringConfig withTumblingWindows(Duration size) {
        return new MonitoringConfig(size, size, windowGrace, labelJoinWindow, sourceIdle, referenceWindows, minWindowEvents, alpha,
                psiThreshold, jsThreshold, accuracyDrop, sampleSize, embeddingSampleSize, mmdPermutations, seed);
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + value + "'", e);
        }
    }

    private static double parseDouble(String key, String value) {
        try {
            double d = Double.parseDouble(value);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException("not finite");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a finite number, got '" + value + "'", e);
        }
    }

    private static void requirePositive(String key, double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(key + " must be > 0, got '" + (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v)) + "'");
        }
    }
}
