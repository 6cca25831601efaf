package dev.glimpse.explainworker.load;

import java.time.Duration;

/**
 * How the explain worker sheds load and when it calls itself DEGRADED.
 *
 * @param maxAge          a selected prediction older than this when reached is skipped (reason {@code max-age}),
 *                        and the consumer jumps past the older ones to the newest window; zero = never skip
 *                        ({@code explain.max.age.ms})
 * @param utilisation     fraction of the measured capacity the selected rate is kept under
 *                        ({@code explain.capacity.utilisation})
 * @param healthMaxLag    consumer lag (records, all partitions) above which {@code /health} says DEGRADED
 *                        ({@code explain.health.max.lag})
 * @param healthMaxAge    age of the predictions being reached above which {@code /health} says DEGRADED
 *                        ({@code explain.health.max.age.ms})
 */
public record LoadLimits(Duration maxAge, double utilisation, long healthMaxLag, Duration healthMaxAge) {

    public LoadLimits {
        if (maxAge == null || maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must be >= 0, got " + maxAge);
        }
        if (!(utilisation > 0 && utilisation <= 1)) {
            throw new IllegalArgumentException("utilisation must be in (0, 1], got " + utilisation);
        }
        if (healthMaxLag < 0 || healthMaxAge == null || healthMaxAge.isNegative()) {
            throw new IllegalArgumentException("health thresholds must be >= 0");
        }
    }

    public static LoadLimits defaults() {
        return new LoadLimits(Duration.ofSeconds(30), 0.8, 2000, Duration.ofSeconds(15));
    }

    public boolean skipsByAge() {
        return !maxAge.isZero();
    }
}
