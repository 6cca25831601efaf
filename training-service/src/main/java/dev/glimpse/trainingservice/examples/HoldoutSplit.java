package dev.glimpse.trainingservice.examples;

import dev.glimpse.registry.StableHash;

/**
 * Stable train/holdout assignment by a hash of the image id: the same id lands in the same split on every run,
 * every JVM and every machine, so a holdout example is never trained on after a restart.
 */
public record HoldoutSplit(double holdoutFraction) {

    public HoldoutSplit {
        if (!(holdoutFraction >= 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be within [0, 1), got " + holdoutFraction);
        }
    }

    public boolean isHoldout(String imageId) {
        return StableHash.unit(imageId) < holdoutFraction;
    }
}
