package dev.glimpse.trainingservice.swap;

import dev.glimpse.trainingservice.examples.HoldoutSplit;

/**
 * Which images a shadow model answers: a stable hash of the image id below the announced shadow fraction. Salted so
 * the shadow share is independent of the training holdout split, and stable so every worker instance and a
 * restarted worker choose the same images.
 */
public final class ShadowSampler {
    private ShadowSampler() {
    }

    public static boolean inShadow(String imageId, double shadowFraction) {
        return shadowFraction > 0 && HoldoutSplit.unitHash("shadow:" + imageId) < shadowFraction;
    }
}
