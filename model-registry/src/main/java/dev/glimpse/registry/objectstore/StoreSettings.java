package dev.glimpse.registry.objectstore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A service's object-store settings ({@link ObjectStoreConfig}'s keys, validated): the S3 bucket to share model
 * versions and artifacts through, or none ({@code file:}), and where objects read from it are cached.
 *
 * @param s3       the bucket, or null for {@code file:} (everything stays in this host's directories)
 * @param cacheDir where verified downloads are kept
 * @param presignExpiry how long presigned GET URLs of the bucket's objects are valid; zero = none are handed out (a
 *                 console streams what it fetches)
 */
public record StoreSettings(S3ObjectStore.Settings s3, Path cacheDir, Duration presignExpiry) {

    /** Settings without presigned URLs. */
    public StoreSettings(S3ObjectStore.Settings s3, Path cacheDir) {
        this(s3, cacheDir, Duration.ZERO);
    }

    /** {@code file:}: no bucket, the default. */
    public static StoreSettings local() {
        return new StoreSettings(null, Path.of("data/store-cache"));
    }

    public boolean isShared() {
        return s3 != null;
    }

    /** The same settings with another cache directory (a service's own data directory). */
    public StoreSettings withCacheDir(Path dir) {
        return new StoreSettings(s3, dir, presignExpiry);
    }

    /** Opens the bucket and checks it is reachable (one clear line if not), or empty for {@code file:}. */
    public Optional<ObjectStore> open() {
        return s3 == null ? Optional.empty() : Optional.of(new S3ObjectStore(s3, presignExpiry).verifyReachable());
    }

    /** Reads announced URIs: local files, and {@code s3://} objects through {@code store} when it is a bucket. */
    public ObjectFetcher fetcher(Optional<ObjectStore> store) {
        return new ObjectFetcher(store.filter(S3ObjectStore.class::isInstance).map(S3ObjectStore.class::cast)
                .orElse(null), cacheDir);
    }
}
