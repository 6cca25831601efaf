package dev.glimpse.registry.testing;

import dev.glimpse.registry.objectstore.S3ObjectStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A real S3-compatible server in this JVM: s3proxy (its own filesystem backend under a directory) on a free port
 * of 127.0.0.1, AWS signature v4 with a random key pair, one bucket. Services reach it as any S3 endpoint, with
 * path-style addressing; their credentials come from the SDK's default chain, so the key pair is published as the
 * {@code aws.accessKeyId} / {@code aws.secretAccessKey} system properties (and handed to child processes by the caller).
 */
public final class InProcessS3 implements AutoCloseable {
    public static final String REGION = "us-east-1";

    private final S3Proxy proxy;
    private final String accessKey = "AK" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    private final String secretKey = UUID.randomUUID().toString().replace("-", "");
    private final String bucket;

    public InProcessS3(Path dir, String bucket) throws Exception {
        this.bucket = bucket;
        Path base = Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", base.toString());
        proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("filesystem", p))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(20);
        }
        System.setProperty("aws.accessKeyId", accessKey);
        System.setProperty("aws.secretAccessKey", secretKey);
        try (S3Client admin = adminClient()) {
            admin.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public String bucket() {
        return bucket;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** The settings a service uses for {@code s3://<bucket>/<prefix>} on this server. */
    public S3ObjectStore.Settings settings(String prefix) {
        return new S3ObjectStore.Settings(bucket, prefix, endpoint(), REGION, true);
    }

    /** Overwrites an object behind the services' back (to test verification). */
    public void overwrite(String key, byte[] content) {
        try (S3Client admin = adminClient()) {
            admin.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromBytes(content));
        }
    }

    private S3Client adminClient() {
        return S3Client.builder().region(Region.of(REGION)).endpointOverride(endpoint()).forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .build();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
