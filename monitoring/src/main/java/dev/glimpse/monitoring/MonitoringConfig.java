package dev.glimpse.monitoring;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.ImageKeys;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.runtime.ImageLimits;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the monitoring topology, validated once. Every key is defined in {@link #KEYS} with type, default
 * and validator; a bad value fails with the key and the quoted value.
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
 * @param imageLimits          images over them ({@code images.max.bytes}, {@code images.max.pixels}) are dead-lettered
 *                             from their header instead of being decoded for statistics
 */
public record MonitoringConfig(Duration windowSize, Duration windowHop, Duration windowGrace, Duration labelJoinWindow,
                               Duration sourceIdle, int referenceWindows, int minWindowEvents, double alpha, double psiThreshold,
                               double jsThreshold, double accuracyDrop, int sampleSize, int embeddingSampleSize,
                               int mmdPermutations, long seed, ImageLimits imageLimits) {

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

    /** Every key with type, default, valid values and one-line doc (the cross-key rules are in the constructor). */
    public static final ConfigDefinition KEYS = new ConfigDefinition("monitoring-topology")
            .define(WINDOW_SIZE_MS, ConfigType.LONG, 60_000L, Validator.atLeast(1), "length of one monitoring window in ms of event time")
            .define(WINDOW_HOP_MS, ConfigType.LONG, 60_000L, Validator.atLeast(1), "advance between windows in ms (= size: tumbling)")
            .define(WINDOW_GRACE_MS, ConfigType.LONG, 5_000L, Validator.atLeast(0), "wait for late records before a window is evaluated, ms")
            .define(LABEL_JOIN_WINDOW_MS, ConfigType.LONG, 600_000L, Validator.atLeast(1), "max time between a prediction and its label, ms")
            .define(SOURCE_IDLE_MS, ConfigType.LONG, 30_000L, Validator.atLeast(1),
                    "an input partition quiet this long (wall clock, ms) stops holding windows open")
            .define(REFERENCE_WINDOWS, ConfigType.INT, 3, Validator.atLeast(1), "windows forming the reference when the model has none")
            .define(MIN_WINDOW_EVENTS, ConfigType.INT, 50, Validator.atLeast(1), "windows with fewer predictions never alarm")
            .define(ALPHA, ConfigType.DOUBLE, 0.002, Validator.range(0, false, 1, false),
                    "significance level of the KS and MMD drift tests")
            .define(PSI_THRESHOLD, ConfigType.DOUBLE, 0.2, Validator.greaterThan(0),
                    "PSI above which the class distribution has drifted")
            .define(JS_THRESHOLD, ConfigType.DOUBLE, 0.1, Validator.range(0, false, 1, true),
                    "Jensen-Shannon divergence (bits) above which it has drifted")
            .define(ACCURACY_DROP, ConfigType.DOUBLE, 0.1, Validator.range(0, false, 1, false),
                    "accuracy alarm when live accuracy < reference - this")
            .define(SAMPLE_SIZE, ConfigType.INT, 1000, Validator.atLeast(2), "reservoir of confidences/input statistics per window")
            .define(EMBEDDING_SAMPLE_SIZE, ConfigType.INT, 100, Validator.atLeast(2), "reservoir of embeddings per window and MMD side")
            .define(MMD_PERMUTATIONS, ConfigType.INT, 999, Validator.atLeast(1),
                    "permutations of the MMD test (at least 1/alpha, so that the test can alarm)")
            .define(SEED, ConfigType.LONG, 20260101L, "seed of reservoirs and permutations")
            .include(ImageKeys.definition());

    public MonitoringConfig {
        requirePositive(WINDOW_SIZE_MS, windowSize.toMillis());
        requirePositive(WINDOW_HOP_MS, windowHop.toMillis());
        if (windowHop.compareTo(windowSize) > 0) {
            throw new ConfigException(WINDOW_HOP_MS, windowHop.toMillis(),
                    "must be <= " + WINDOW_SIZE_MS + " ('" + windowSize.toMillis() + "')");
        }
        if (windowGrace.isNegative()) {
            throw new ConfigException(WINDOW_GRACE_MS, windowGrace.toMillis(), "must be >= 0");
        }
        requirePositive(LABEL_JOIN_WINDOW_MS, labelJoinWindow.toMillis());
        requirePositive(SOURCE_IDLE_MS, sourceIdle.toMillis());
        requirePositive(REFERENCE_WINDOWS, referenceWindows);
        requirePositive(MIN_WINDOW_EVENTS, minWindowEvents);
        KEYS.ensureValid(ALPHA, alpha);
        requirePositive(PSI_THRESHOLD, psiThreshold);
        KEYS.ensureValid(JS_THRESHOLD, jsThreshold);
        KEYS.ensureValid(ACCURACY_DROP, accuracyDrop);
        KEYS.ensureValid(SAMPLE_SIZE, sampleSize);
        KEYS.ensureValid(EMBEDDING_SAMPLE_SIZE, embeddingSampleSize);
        requirePositive(MMD_PERMUTATIONS, mmdPermutations);
        if (1.0 / (mmdPermutations + 1) >= alpha) {
            // The smallest permutation p-value is 1/(B+1): with fewer permutations the MMD test could never alarm.
            throw new ConfigException(MMD_PERMUTATIONS, mmdPermutations, "must be >= 1/" + ALPHA + " (= "
                    + (long) Math.ceil(1 / alpha) + ") so that the MMD test can reach p < alpha");
        }
    }

    /** Defaults of every key. */
    public static MonitoringConfig defaults() {
        return from(Map.of());
    }

    /** Reads the keys of {@link #KEYS} from raw values (missing keys take their defaults; other keys are ignored). */
    public static MonitoringConfig from(Map<String, ?> values) {
        return from(KEYS.parse(values, true));
    }

    /** Reads the keys of {@link #KEYS} from a parsed configuration that includes them. */
    public static MonitoringConfig from(Config c) {
        return new MonitoringConfig(
                Duration.ofMillis(c.getLong(WINDOW_SIZE_MS)),
                Duration.ofMillis(c.getLong(WINDOW_HOP_MS)),
                Duration.ofMillis(c.getLong(WINDOW_GRACE_MS)),
                Duration.ofMillis(c.getLong(LABEL_JOIN_WINDOW_MS)),
                Duration.ofMillis(c.getLong(SOURCE_IDLE_MS)),
                c.getInt(REFERENCE_WINDOWS),
                c.getInt(MIN_WINDOW_EVENTS),
                c.getDouble(ALPHA),
                c.getDouble(PSI_THRESHOLD),
                c.getDouble(JS_THRESHOLD),
                c.getDouble(ACCURACY_DROP),
                c.getInt(SAMPLE_SIZE),
                c.getInt(EMBEDDING_SAMPLE_SIZE),
                c.getInt(MMD_PERMUTATIONS),
                c.getLong(SEED),
                new ImageLimits(c.getBytes(ImageKeys.MAX_BYTES), c.getLong(ImageKeys.MAX_PIXELS)));
    }

    /** A copy with tumbling windows of the given size (hop = size). */
    public MonitoringConfig withTumblingWindows(Duration size) {
        return new MonitoringConfig(size, size, windowGrace, labelJoinWindow, sourceIdle, referenceWindows, minWindowEvents, alpha,
                psiThreshold, jsThreshold, accuracyDrop, sampleSize, embeddingSampleSize, mmdPermutations, seed,
                imageLimits);
    }

    private static void requirePositive(String key, double v) {
        if (!(v > 0)) {
            throw new ConfigException(key, v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v), "must be > 0");
        }
    }
}
