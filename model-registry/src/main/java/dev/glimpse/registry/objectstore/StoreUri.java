package dev.glimpse.registry.objectstore;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where an object lives, as carried in announcements: {@code s3://bucket/key} or a local file ({@code file:/...}
 * or a plain absolute path, the form older announcements carry). Parsed once here so every reader agrees.
 */
public sealed interface StoreUri {

    /** An object in an S3-compatible bucket. */
    record S3(String bucket, String key) implements StoreUri {
        public S3 {
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("invalid bucket name '" + bucket + "' in an s3:// URI");
            }
            if (key == null || key.isEmpty() || key.startsWith("/")) {
                throw new IllegalArgumentException("an s3:// URI needs a key after the bucket, got '" + key + "'");
            }
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }
    }

    /** A file on this host's filesystem. */
    record LocalFile(Path path) implements StoreUri {
        @Override
        public String toString() {
            return path.toUri().toString();
        }
    }

    /** Parses {@code s3://bucket/key}, {@code file:/path} or a plain path; anything else is refused by name. */
    static StoreUri parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("no store URI (expected s3://bucket/key, file:/path or a path)");
        }
        if (uri.startsWith("s3://")) {
            String rest = uri.substring("s3://".length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("s3 URI '" + uri + "' has no key: expected s3://bucket/key");
            }
            return new S3(rest.substring(0, slash), rest.substring(slash + 1));
        }
        if (uri.startsWith("file:")) {
            return new LocalFile(Path.of(URI.create(uri)));
        }
        if (uri.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("unsupported store URI scheme in '" + uri + "': use s3:// or file:");
        }
        return new LocalFile(Path.of(uri));
    }
}
