package dev.glimpse.trainingservice.examples;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

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
        return unitHash(imageId) < holdoutFraction;
    }

    /** Uniform in [0, 1) for ids: the top 53 bits of SHA-256 (a fixed function, unlike String.hashCode's seedless spread). */
    public static double unitHash(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(digest).getLong() >>> 11;
            return bits / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
