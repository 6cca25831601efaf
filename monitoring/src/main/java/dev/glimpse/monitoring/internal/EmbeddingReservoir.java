package dev.glimpse.monitoring.internal;

import java.util.ArrayList;
import java.util.List;

/** {@link Reservoir} of embedding vectors (float rows of one dimension; rows of another dimension are dropped). */
final class EmbeddingReservoir {

    final int capacity;
    final long seed;
    long seen;
    final List<float[]> rows;

    EmbeddingReservoir(int capacity, long seed) {
        this(capacity, seed, 0, new ArrayList<>());
    }

    EmbeddingReservoir(int capacity, long seed, long seen, List<float[]> rows) {
        this.capacity = capacity;
        this.seed = seed;
        this.seen = seen;
        this.rows = rows;
    }

    void offer(float[] row) {
        if (!rows.isEmpty() && rows.get(0).length != row.length) {
            // A model version has one embedding size; a mismatch is a malformed prediction, not drift.
            return;
        }
        seen++;
        if (rows.size() < capacity) {
            rows.add(row);
            return;
        }
        long j = Math.floorMod(Reservoir.mix(seed, seen), seen);
        if (j < capacity) {
            rows.set((int) j, row);
        }
    }

    void mergeFrom(EmbeddingReservoir other) {
        for (float[] row : other.rows) {
            offer(row);
        }
    }

    double[][] values() {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            float[] r = rows.get(i);
            out[i] = new double[r.length];
            for (int d = 0; d < r.length; d++) {
                out[i][d] = r[d];
            }
        }
        return out;
    }
}
