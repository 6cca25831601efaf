package dev.glimpse.explainworker.load;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Events per second over a sliding window (per-bucket counts, the window {@code buckets} long): the events in the
 * window divided by the time the window actually covers, which starts no earlier than the first event ever counted
 * (and spans at least one bucket). So a worker that explains its first items 30 s after start reports their rate at
 * once instead of averaging them with the idle start-up, and a rate falls to 0 one window after the events stop.
 * The rate people read (the demo's status line); the load budget keeps its smoothed {@link RateMeter}, whose
 * slow start its shedding was tuned with. Thread-safe.
 */
public final class RecentRate {

    private final LongSupplier nanoClock;
    private final long bucketNanos;
    private final long origin;
    private final long[] counts;
    /** The absolute bucket number each slot of {@link #counts} holds. */
    private final long[] slotBucket;
    private long firstEventNanos = Long.MIN_VALUE;

    /**
     * @param bucketSeconds the resolution of the window (and the shortest time a rate is computed over)
     * @param buckets       the window's length in buckets
     */
    public RecentRate(LongSupplier nanoClock, double bucketSeconds, int buckets) {
        if (!(bucketSeconds > 0) || buckets < 1) {
            throw new IllegalArgumentException("a rate needs a bucket > 0 s and at least one bucket, got "
                    + bucketSeconds + " s x " + buckets);
        }
        this.nanoClock = nanoClock;
        this.bucketNanos = (long) (bucketSeconds * 1e9);
        this.origin = nanoClock.getAsLong();
        this.counts = new long[buckets];
        this.slotBucket = new long[buckets];
        Arrays.fill(slotBucket, -1);
    }

    public synchronized void add(long n) {
        long now = nanoClock.getAsLong();
        if (firstEventNanos == Long.MIN_VALUE) {
            firstEventNanos = now;
        }
        long bucket = (now - origin) / bucketNanos;
        int slot = (int) (bucket % counts.length);
        if (slotBucket[slot] != bucket) {
            slotBucket[slot] = bucket;
            counts[slot] = 0;
        }
        counts[slot] += n;
    }

    /** Events per second in the window (0 before the first event and one window after the last). */
    public synchronized double rate() {
        if (firstEventNanos == Long.MIN_VALUE) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        long bucket = (now - origin) / bucketNanos;
        long oldest = bucket - counts.length + 1;
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (slotBucket[i] >= oldest && slotBucket[i] <= bucket) {
                sum += counts[i];
            }
        }
        long windowStart = Math.max(origin + oldest * bucketNanos, firstEventNanos);
        long covered = Math.max(bucketNanos, now - windowStart);
        return sum / (covered / 1e9);
    }
}
