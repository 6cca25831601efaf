package dev.glimpse.registry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A stable hash of an id to [0, 1): the same id gives the same value on every run, JVM and machine. Holdout splits
 * and shadow sampling choose by it, so a restarted or second instance makes the same choices.
 */
public final class StableHash {

    private StableHash() {
    }

    /** Uniform in [0, 1) for ids: the top 53 bits of SHA-256 (a fixed function, unlike String.hashCode's seedless spread). */
    public static double unit(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(digest).getLong() >>> 11;
            return bits / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
