package dev.glimpse.registry.objectstore;

import java.io.InputStream;
import java.net.URI;
import java.util.Optional;

/**
 * Where model versions and explanation artifacts are kept so that another host can read them: an S3-compatible
 * bucket ({@link S3ObjectStore}). With {@code store.uri = file:} there is none: the model store's and the artifact
 * store's own directories are read directly. Keys are relative ({@code models/fashion/v2/model.onnx}); the store adds
 * its bucket prefix and names the object by a {@link StoreUri} other processes can read.
 */
public interface ObjectStore extends AutoCloseable {

    /** Writes (or overwrites) the object; returns the URI that names it for any reader. */
    StoreUri put(String key, byte[] content);

    /** The object's bytes, or empty when there is no such object. */
    Optional<byte[]> get(String key);

    /** Streams the object, or empty when there is no such object; the caller closes the stream. */
    Optional<InputStream> open(String key);

    boolean exists(String key);

    /** The URI the object {@code key} has (or would have). */
    StoreUri uriOf(String key);

    /**
     * A URL from which a browser may GET the object for a limited time without credentials (an S3 presigned URL),
     * when the store is configured to hand such URLs out ({@code store.s3.presign.expiry} above 0); else empty.
     * The object is not looked up.
     */
    default Optional<URI> presignedGet(String key) {
        return Optional.empty();
    }

    /** {@code file:} or {@code s3://bucket/prefix}: what the store is, for logs and startup lines. */
    String describe();

    @Override
    void close();

    /** Refuses keys that could leave the store's root or prefix. */
    static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/") || key.contains("\\")
                || ("/" + key + "/").contains("/../") || ("/" + key + "/").contains("/./")) {
            throw new IllegalArgumentException("invalid object key '" + key + "'");
        }
        return key;
    }
}
