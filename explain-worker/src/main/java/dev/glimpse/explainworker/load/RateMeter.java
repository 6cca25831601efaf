package dev.glimpse.explainworker.load;

import java.util.function.LongSupplier;

/**
 * Events per second, smoothed: counts are folded into an exponentially weighted average once per {@code period}
 * (time constant {@code tau}). Thread-safe; reads never block on a fold.
 */
public final class RateMeter {

    private final LongSupplier nanoClock;
    private final long periodNanos;
    private final double tauSeconds;
    private long windowStart;
    private long count;
    private double rate;
    private boolean primed;

    public RateMeter(LongSupplier nanoClock, double periodSeconds, double tauSeconds) {
        this.nanoClock = nanoClock;
        this.periodNanos = (long) (periodSeconds * 1e9);
        this.tauSeconds = tauSeconds;
        this.windowStart = nanoClock.getAsLong();
    }

    public static RateMeter perSecond() {
        return new RateMeter(System::nanoTime, 1.0, 10.0);
    }

    public synchronized void add(long n) {
        fold();
        count += n;
    }

    /** The smoothed rate per second (0 before the first period ended). */
    public synchronized double rate() {
        fold();
        return rate;
    }

    private void fold() {
        long now = nanoClock.getAsLong();
        long elapsed = now - windowStart;
        if (elapsed < periodNanos) {
            return;
        }
        double seconds = elapsed / 1e9;
        double instant = count / seconds;
        if (!primed) {
            rate = instant;
            primed = true;
        } else {
            double alpha = 1 - Math.exp(-seconds / tauSeconds);
            rate += alpha * (instant - rate);
        }
        count = 0;
        windowStart = now;
    }
}
