package dev.glimpse.registry.objectstore;

import dev.glimpse.registry.store.Sha256;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the object an announcement names ({@code s3://bucket/key} or a local file) and checks it against the
 * announced sha256 before anyone uses it. Objects from a bucket are cached by their sha256 under the cache
 * directory, so a restart or a second reader of the same version downloads nothing; a cached file is verified on
 * every read like a downloaded one.
 */
public final class ObjectFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectFetcher.class);

    /** Why an object could not be had: {@code unreadable} (absent, unreachable) or {@code sha-mismatch}. */
    public static final class FetchException extends Exception {
        private final String reason;

        FetchException(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final S3ObjectStore s3;
    private final Path cacheDir;

    /**
     * @param s3       the client for {@code s3://} URIs, or null when no bucket is configured (they are then refused)
     * @param cacheDir where downloaded objects are kept, by sha256
     */
    public ObjectFetcher(S3ObjectStore s3, Path cacheDir) {
        this.s3 = s3;
        this.cacheDir = cacheDir;
    }

    /** Reads local files only (no bucket configured): the embedded demo's and single-host deployments'. */
    public static ObjectFetcher localFilesOnly() {
        return new ObjectFetcher(null, null);
    }

    /** The verified bytes of the object at {@code uri}. */
    public byte[] fetchVerified(String uri, String sha256) throws FetchException {
        StoreUri where = parse(uri);
        if (where instanceof StoreUri.LocalFile f) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f.path());
            } catch (IOException e) {
                throw new FetchException("unreadable", "cannot read '" + uri + "': " + e);
            }
            return verified(bytes, uri, sha256, "the file at " + uri);
        }
        StoreUri.S3 object = (StoreUri.S3) where;
        Path cached = cacheFile(sha256, uri);
        if (Files.isRegularFile(cached)) {
            try {
                byte[] bytes = Files.readAllBytes(cached);
                if (Sha256.of(bytes).equalsIgnoreCase(sha256)) {
                    return bytes;
                }
                LOG.warn("cached copy {} of {} does not match its sha256; downloading again", cached, uri);
            } catch (IOException e) {
                LOG.warn("cannot read cached copy {} of {}: {}; downloading again", cached, uri, e.toString());
            }
        }
        Optional<byte[]> downloaded;
        try {
            downloaded = s3.read(object);
        } catch (ObjectStoreException e) {
            throw new FetchException("unreadable", e.getMessage());
        }
        byte[] bytes = downloaded.orElseThrow(() -> new FetchException("unreadable", "no object " + uri + " in the store"));
        verified(bytes, uri, sha256, "the object " + uri);
        store(cached, bytes);
        return bytes;
    }

    /** A local file holding the verified bytes: the file itself for a local URI, the cached copy for a bucket's. */
    public Path fetchToFile(String uri, String sha256) throws FetchException {
        StoreUri where = parse(uri);
        fetchVerified(uri, sha256);
        return where instanceof StoreUri.LocalFile f ? f.path() : cacheFile(sha256, uri);
    }

    private StoreUri parse(String uri) throws FetchException {
        StoreUri where;
        try {
            where = StoreUri.parse(uri);
        } catch (IllegalArgumentException e) {
            throw new FetchException("unreadable", e.getMessage());
        }
        if (where instanceof StoreUri.S3 && s3 == null) {
            throw new FetchException("unreadable", "'" + uri + "' is in an S3 bucket but this service has no "
                    + ObjectStoreConfig.URI_KEY + " = s3://... configured");
        }
        return where;
    }

    private Path cacheFile(String sha256, String uri) throws FetchException {
        if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new FetchException("sha-mismatch", "'" + uri + "' is announced without a valid sha256 ('" + sha256
                    + "'): objects from a bucket are only used verified");
        }
        return cacheDir.resolve(sha256.toLowerCase());
    }

    private static byte[] verified(byte[] bytes, String uri, String sha256, String what) throws FetchException {
        String actual = Sha256.of(bytes);
        if (!actual.equalsIgnoreCase(sha256)) {
            throw new FetchException("sha-mismatch", "announced sha256 '" + sha256 + "' but " + what + " has " + actual);
        }
        return bytes;
    }

    private void store(Path target, byte[] bytes) {
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, ".download-", ".part");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // the bytes are verified and in hand; without a cache the next reader downloads again
            LOG.warn("cannot cache {} under {}: {}", target.getFileName(), cacheDir, e.toString());
        }
    }
}
