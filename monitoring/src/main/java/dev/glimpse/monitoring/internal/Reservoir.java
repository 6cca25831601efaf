package dev.glimpse.monitoring.internal;

import java.util.Arrays;

/**
 * Seeded reservoir sample (Algorithm R) of doubles: after n offers it holds a uniform sample of min(n, capacity)
 * of them. The "random" index of the n-th offer is a hash of (seed, n), so that a replay of the same records
 * keeps the same sample even after the reservoir was serialised and restored in between.
 */
final class Reservoir {

    final int capacity;
    final long seed;
    long seen;
    double[] values;
    int size;

    Reservoir(int capacity, long seed) {
        this(capacity, seed, 0, new double[Math.min(capacity, 16)], 0);
    }

    Reservoir(int capacity, long seed, long seen, double[] values, int size) {
        this.capacity = capacity;
        this.seed = seed;
        this.seen = seen;
        this.values = values;
        this.size = size;
    }

    void offer(double v) {
        seen++;
        if (size < capacity) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.min(capacity, Math.max(16, values.length * 2)));
            }
            values[size++] = v;
            return;
        }
        long j = Math.floorMod(mix(seed, seen), seen);
        if (j < capacity) {
            values[(int) j] = v;
        }
    }

    /** Offers the other's kept values, each standing for seen/size of the other's offers (approximate merge). */
    void mergeFrom(Reservoir other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.values[i]);
        }
    }

    double[] values() {
        return Arrays.copyOf(values, size);
    }

    /** SplitMix64 finaliser of seed + n: a cheap, well-mixed hash. */
    static long mix(long seed, long n) {
        long z = seed + n * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
