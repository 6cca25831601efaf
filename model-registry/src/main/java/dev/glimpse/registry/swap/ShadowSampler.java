package dev.glimpse.registry.swap;

import dev.glimpse.registry.StableHash;

/**
 * Which images a shadow model answers: a stable hash of the image id below the announced shadow fraction. Salted so
 * the shadow share is independent of the training holdout split, and stable so every worker instance and a
 * restarted worker choose the same images.
 */
public final class ShadowSampler {
    private ShadowSampler() {
    }

    public static boolean inShadow(String imageId, double shadowFraction) {
        return shadowFraction > 0 && StableHash.unit("shadow:" + imageId) < shadowFraction;
    }
}
