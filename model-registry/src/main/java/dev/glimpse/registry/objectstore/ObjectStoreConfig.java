package dev.glimpse.registry.objectstore;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.Validator;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The object-store keys every service that writes or reads model versions and explanation artifacts shares,
 * defined once here: {@code store.uri} ({@code file:} keeps everything in this host's directories, as the embedded
 * demo does; {@code s3://bucket/prefix} shares them between hosts) and how to reach the bucket.
 */
public final class ObjectStoreConfig {

    public static final String URI_KEY = "store.uri";
    public static final String S3_ENDPOINT = "store.s3.endpoint";
    public static final String S3_REGION = "store.s3.region";
    public static final String S3_PATH_STYLE = "store.s3.path.style";
    public static final String CACHE_DIR = "store.cache.dir";
    public static final String S3_PRESIGN_EXPIRY = "store.s3.presign.expiry";

    private ObjectStoreConfig() {
    }

    /** The store keys, to {@link ConfigDefinition#include} in a service's definition. */
    public static ConfigDefinition definition() {
        return new ConfigDefinition("store")
                .define(URI_KEY, ConfigType.STRING, "file:", Validator.nonEmpty(),
                        "Where model versions and explanation artifacts go for other hosts: file: (this host's directories) or s3://bucket/prefix")
                .define(S3_ENDPOINT, ConfigType.STRING, "",
                        "S3 endpoint URL for S3-compatible servers (MinIO, Ceph: http://host:9000); empty = AWS S3 of the region")
                .define(S3_REGION, ConfigType.STRING, "us-east-1", Validator.nonEmpty(), "S3 region (credentials: the AWS default provider chain)")
                .define(S3_PATH_STYLE, ConfigType.BOOLEAN, false,
                        "Path-style S3 addressing (http://host/bucket/key), as MinIO and Ceph usually need")
                .define(CACHE_DIR, ConfigType.PATH, Path.of("data/store-cache"),
                        "Local cache of objects read from the store, each verified by its sha256")
                // SigV4 presigned URLs are valid for at most 7 days
                .define(S3_PRESIGN_EXPIRY, ConfigType.DURATION, "0s", Validator.between(0, 604_800_000L),
                        "0 = the console streams an artifact it does not hold, fetched from the bucket and verified; above 0 "
                                + "it answers 307 to a presigned GET URL of the bucket valid this long (the browser reads the bucket)");
    }

    /**
     * The configured S3 store, or empty for {@code file:}. Validates the URI and endpoint (errors name the key and
     * quote the value); does not contact the server.
     */
    public static Optional<S3ObjectStore.Settings> s3Settings(Config config) {
        String uri = config.getString(URI_KEY).trim();
        if (uri.equals("file:")) {
            return Optional.empty();
        }
        if (!uri.startsWith("s3://")) {
            throw new ConfigException(URI_KEY, uri, "expected file: or s3://bucket/prefix");
        }
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        String endpoint = config.getString(S3_ENDPOINT).trim();
        URI endpointUri = null;
        if (!endpoint.isEmpty()) {
            try {
                endpointUri = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(S3_ENDPOINT, endpoint, "not a URL: " + e.getMessage());
            }
            if (!"http".equals(endpointUri.getScheme()) && !"https".equals(endpointUri.getScheme())) {
                throw new ConfigException(S3_ENDPOINT, endpoint, "must start with http:// or https://");
            }
        }
        try {
            return Optional.of(new S3ObjectStore.Settings(bucket, prefix, endpointUri, config.getString(S3_REGION),
                    config.getBoolean(S3_PATH_STYLE)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(URI_KEY, uri, e.getMessage());
        }
    }

    /** The store settings of a parsed configuration that includes {@link #definition()}. */
    public static StoreSettings settings(Config config) {
        return new StoreSettings(s3Settings(config).orElse(null), config.getPath(CACHE_DIR),
                config.getDuration(S3_PRESIGN_EXPIRY));
    }
}
