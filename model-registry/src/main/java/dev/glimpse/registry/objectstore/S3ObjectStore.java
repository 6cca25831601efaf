package dev.glimpse.registry.objectstore;

import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An object store in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...): {@code s3://<bucket>/<prefix><key>}.
 * Credentials come from the AWS SDK's default provider chain (environment, system properties, profile, container
 * or instance role); checksums are sent and checked only where the S3 API requires them, which every
 * S3-compatible server accepts.
 */
public final class S3ObjectStore implements ObjectStore {

    /** Where the bucket is and how to address it. */
    public record Settings(String bucket, String prefix, URI endpoint, String region, boolean pathStyle) {
        public Settings {
            prefix = prefix == null || prefix.isEmpty() || prefix.endsWith("/") ? (prefix == null ? "" : prefix) : prefix + "/";
            new StoreUri.S3(bucket, prefix + "x"); // validates the bucket name
        }
    }

    private final Settings settings;
    private final S3Client s3;
    private final Duration presignExpiry;
    private final S3Presigner presigner;

    public S3ObjectStore(Settings settings) {
        this(settings, Duration.ZERO);
    }

    /** @param presignExpiry how long the URLs of {@link #presignedGet} are valid; zero = none are handed out */
    public S3ObjectStore(Settings settings, Duration presignExpiry) {
        this.settings = settings;
        this.presignExpiry = presignExpiry;
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .forcePathStyle(settings.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        this.s3 = builder.build();
        if (presignExpiry.isZero()) {
            this.presigner = null;
        } else {
            S3Presigner.Builder p = S3Presigner.builder()
                    .region(Region.of(settings.region()))
                    .credentialsProvider(DefaultCredentialsProvider.builder().build())
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
            if (settings.endpoint() != null) {
                p.endpointOverride(settings.endpoint());
            }
            this.presigner = p.build();
        }
    }

    /** Fails with one line naming the bucket and endpoint when the bucket cannot be reached with these credentials. */
    public S3ObjectStore verifyReachable() {
        try {
            s3.headBucket(HeadBucketRequest.builder().bucket(settings.bucket()).build());
            return this;
        } catch (SdkException e) {
            close();
            throw new ObjectStoreException("cannot reach bucket '" + settings.bucket() + "' at "
                    + (settings.endpoint() == null ? "AWS region " + settings.region() : settings.endpoint())
                    + ": " + oneLine(e), e);
        }
    }

    @Override
    public StoreUri put(String key, byte[] content) {
        String full = fullKey(key);
        try {
            s3.putObject(PutObjectRequest.builder().bucket(settings.bucket()).key(full).contentLength((long) content.length)
                    .build(), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot write " + uriOf(key) + ": " + oneLine(e), e);
        }
        return uriOf(key);
    }

    @Override
    public Optional<byte[]> get(String key) {
        return read(uriOf(key));
    }

    /** The bytes of any object this client can read (the announcement names the bucket), or empty when absent. */
    public Optional<byte[]> read(StoreUri.S3 uri) {
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(GetObjectRequest.builder()
                    .bucket(uri.bucket()).key(uri.key()).build());
            return Optional.of(bytes.asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new ObjectStoreException("cannot read " + uri + ": " + oneLine(e), e);
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot read " + uri + ": " + oneLine(e), e);
        }
    }

    @Override
    public Optional<InputStream> open(String key) {
        StoreUri.S3 uri = uriOf(key);
        try {
            return Optional.of(s3.getObject(GetObjectRequest.builder().bucket(uri.bucket()).key(uri.key()).build()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot read " + uri + ": " + oneLine(e), e);
        }
    }

    @Override
    public boolean exists(String key) {
        try {
            s3.headObject(HeadObjectRequest.builder().bucket(settings.bucket()).key(fullKey(key)).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new ObjectStoreException("cannot look up " + uriOf(key) + ": " + oneLine(e), e);
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot look up " + uriOf(key) + ": " + oneLine(e), e);
        }
    }

    /** A GET of the object signed with this client's credentials (SigV4, query string), valid for the expiry. */
    @Override
    public Optional<URI> presignedGet(String key) {
        if (presigner == null) {
            return Optional.empty();
        }
        try {
            PresignedGetObjectRequest request = presigner.presignGetObject(GetObjectPresignRequest.builder()
                    .signatureDuration(presignExpiry)
                    .getObjectRequest(GetObjectRequest.builder().bucket(settings.bucket()).key(fullKey(key)).build())
                    .build());
            return Optional.of(request.url().toURI());
        } catch (SdkException | URISyntaxException e) {
            throw new ObjectStoreException("cannot presign a GET of " + uriOf(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public StoreUri.S3 uriOf(String key) {
        return new StoreUri.S3(settings.bucket(), fullKey(key));
    }

    @Override
    public String describe() {
        return "s3://" + settings.bucket() + "/" + settings.prefix()
                + (settings.endpoint() == null ? "" : " at " + settings.endpoint());
    }

    @Override
    public void close() {
        s3.close();
        if (presigner != null) {
            presigner.close();
        }
    }

    private String fullKey(String key) {
        return settings.prefix() + ObjectStore.checkKey(key);
    }

    private static String oneLine(SdkException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }
}
