package dev.glimpse.datasets;

import java.nio.charset.StandardCharsets;

/**
 * A seeded share of examples held out by id (e.g. the validation part of a training set): an example belongs to it
 * when a 64-bit hash of (seed, id) falls below {@code fraction}. The assignment of an example never depends on the
 * other examples, so it is the same in every run with the same seed, and adding images to a folder does not move
 * existing ones between the parts.
 */
public record Holdout(double fraction, long seed) {

    public Holdout {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be in [0, 1), got '" + fraction + "'");
        }
    }

    public boolean contains(String id) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001B3L; // FNV-1a over the seed-mixed basis
        }
        h ^= h >>> 33; // murmur3 finaliser: spreads the low-entropy FNV bits over the whole word
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53 < fraction;
    }

    /** The examples of {@code data} outside the holdout, in their order. */
    public Dataset rest(Dataset data) {
        return SubsetDataset.byId(data, id -> !contains(id), "train");
    }

    /** The examples of {@code data} inside the holdout, in their order. */
    public Dataset part(Dataset data) {
        return SubsetDataset.byId(data, this::contains, "validation");
    }
}
