package dev.glimpse.registry.objectstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.Sha256;
import dev.glimpse.registry.store.StoredModel;
import dev.glimpse.registry.swap.LoadedCandidate;
import dev.glimpse.registry.swap.ModelCandidateLoader;
import dev.glimpse.registry.swap.ServingSignature;
import dev.glimpse.registry.testing.InProcessS3;
import dev.glimpse.registry.testing.TinyOnnx;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.SessionTuning;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The object store against a real S3-compatible server (s3proxy, in this JVM, over HTTP with signature v4):
 * what one "host" (a store over its own directory) puts, another one with a different directory reads, verified.
 */
class S3ObjectStoreTest {

    private static final ServingSignature SERVING = new ServingSignature(new long[] {-1, 1, 4, 4}, new long[] {-1, 3});

    @TempDir
    static Path serverDir;
    @TempDir
    Path dir;

    private static InProcessS3 s3;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = new InProcessS3(serverDir.resolve("s3"), "glimpse-test");
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
    }

    private static S3ObjectStore store(String prefix) {
        return new S3ObjectStore(s3.settings(prefix)).verifyReachable();
    }

    @Test
    void shouldWriteAndReadObjectsUnderThePrefixThroughTheS3Api() throws Exception {
        try (S3ObjectStore store = store("deploy-a")) {
            StoreUri uri = store.put("models/m/v1/model.onnx", "bytes".getBytes(StandardCharsets.UTF_8));

            assertEquals("s3://glimpse-test/deploy-a/models/m/v1/model.onnx", uri.toString());
            assertTrue(store.exists("models/m/v1/model.onnx"));
            assertArrayEquals("bytes".getBytes(StandardCharsets.UTF_8), store.get("models/m/v1/model.onnx").orElseThrow());
            try (var in = store.open("models/m/v1/model.onnx").orElseThrow()) {
                assertEquals("bytes", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            // another prefix is another deployment: nothing of deploy-a is visible there
            try (S3ObjectStore other = store("deploy-b")) {
                assertFalse(other.exists("models/m/v1/model.onnx"));
                assertEquals(Optional.empty(), other.get("models/m/v1/model.onnx"));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> store("x").put("../escape", new byte[1]));
    }

    @Test
    void shouldNameTheBucketAndEndpointWhenTheBucketIsUnreachable() {
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> new S3ObjectStore(
                new S3ObjectStore.Settings("no-such-bucket", "", s3.endpoint(), InProcessS3.REGION, true)).verifyReachable());
        assertTrue(e.getMessage().startsWith("cannot reach bucket 'no-such-bucket' at " + s3.endpoint()), e.getMessage());
    }

    @Test
    void shouldParseTheStoreKeysAndRefuseAnUnknownScheme() {
        Map<String, Object> raw = Map.of(ObjectStoreConfig.URI_KEY, "s3://glimpse-test/prod/eu",
                ObjectStoreConfig.S3_ENDPOINT, s3.endpoint().toString(), ObjectStoreConfig.S3_PATH_STYLE, "true");
        StoreSettings settings = ObjectStoreConfig.settings(ObjectStoreConfig.definition().parse(raw));
        assertEquals(new S3ObjectStore.Settings("glimpse-test", "prod/eu/", s3.endpoint(), "us-east-1", true), settings.s3());
        assertFalse(ObjectStoreConfig.settings(ObjectStoreConfig.definition().defaults()).isShared(), "file: by default");

        ConfigException e = assertThrows(ConfigException.class, () -> ObjectStoreConfig.settings(
                ObjectStoreConfig.definition().parse(Map.of(ObjectStoreConfig.URI_KEY, "gs://bucket/x"))));
        assertTrue(e.getMessage().contains("'store.uri'") && e.getMessage().contains("'gs://bucket/x'"), e.getMessage());
    }

    @Test
    void shouldPublishVersionsToTheBucketAndLoadThemOnAnotherHostVerifiedAndCached() throws Exception {
        byte[] model = TinyOnnx.linear(4, 4, 3, 0.1f);
        try (S3ObjectStore writerSide = store("publish"); S3ObjectStore readerSide = store("publish")) {
            // Given a model store on the "training host" publishing to the bucket
            ModelStore models = new ModelStore(dir.resolve("training-host/models"), writerSide);
            StoredModel v1 = models.publish("m", model, ModelManifest.draft(ModelState.PROMOTED, "", Map.of(), Map.of(), Map.of()));
            String uri = models.storeUri(v1);
            assertEquals("s3://glimpse-test/publish/models/m/v1/model.onnx", uri);

            // When a worker on another host (its own cache directory, no path in common) loads the announcement
            Path cache = dir.resolve("worker-host/store-cache");
            ObjectFetcher fetcher = new ObjectFetcher(readerSide, cache);
            try (ModelCandidateLoader loader = new ModelCandidateLoader(ExecutionDevice.CPU, SessionTuning.defaults(), 2, true, fetcher)) {
                LoadedCandidate result = loader.load(announcement(uri, Sha256.of(model)), SERVING);

                // Then the verified bytes serve, and they are cached under their sha256
                LoadedCandidate.Ready ready = assertInstanceOf(LoadedCandidate.Ready.class, result, result.toString());
                try (ready) {
                    assertArrayEquals(model, ready.verifiedBytes());
                }
            }
            assertArrayEquals(model, Files.readAllBytes(cache.resolve(Sha256.of(model))));
            // a second read comes from the cache: the object replaced behind the worker's back is not fetched again
            s3.overwrite("publish/models/m/v1/model.onnx", new byte[] {1, 2, 3});
            assertArrayEquals(model, fetcher.fetchVerified(uri, Sha256.of(model)));
        }
    }

    @Test
    void shouldRefuseABucketObjectWhoseBytesDoNotMatchTheAnnouncedSha256() throws Exception {
        byte[] model = TinyOnnx.linear(4, 4, 3, 0.1f);
        byte[] other = TinyOnnx.linear(4, 4, 3, 0.7f);
        try (S3ObjectStore store = store("tampered")) {
            String uri = store.put("models/m/v2/model.onnx", other).toString();
            ObjectFetcher fetcher = new ObjectFetcher(store, dir.resolve("cache"));
            try (ModelCandidateLoader loader = new ModelCandidateLoader(ExecutionDevice.CPU, SessionTuning.defaults(), 2, true, fetcher)) {
                LoadedCandidate result = loader.load(announcement(uri, Sha256.of(model)), SERVING);

                // the worker refuses with a reason naming both digests, and caches nothing
                LoadedCandidate.Rejected rejected = assertInstanceOf(LoadedCandidate.Rejected.class, result, result.toString());
                assertEquals("sha-mismatch", rejected.reason());
                assertTrue(rejected.detail().contains(Sha256.of(model)) && rejected.detail().contains(Sha256.of(other))
                        && rejected.detail().contains(uri), rejected.detail());
                assertFalse(Files.exists(dir.resolve("cache").resolve(Sha256.of(model))));

                LoadedCandidate absent = loader.load(announcement(store.uriOf("models/m/v9/model.onnx").toString(),
                        Sha256.of(model)), SERVING);
                assertEquals("unreadable", ((LoadedCandidate.Rejected) absent).reason());
            }
        }
        // a worker with no bucket configured says so instead of failing obscurely
        ObjectFetcher.FetchException e = assertThrows(ObjectFetcher.FetchException.class,
                () -> ObjectFetcher.localFilesOnly().fetchVerified("s3://glimpse-test/k", Sha256.of(model)));
        assertTrue(e.getMessage().contains("store.uri"), e.getMessage());
    }

    @Test
    void shouldServeAnArtifactAnotherHostStoredFromTheBucketAndRefuseATamperedOne() throws Exception {
        byte[] png = Files.readAllBytes(Path.of(URI.create(S3ObjectStoreTest.class.getResource("S3ObjectStoreTest.class").toString())));
        try (S3ObjectStore explainHost = store("artifacts-test"); S3ObjectStore consoleHost = store("artifacts-test")) {
            // Given an explain worker's store on one host
            ArtifactId id = new ArtifactStore(dir.resolve("explain-host/artifacts"), ArtifactStore.Limits.defaults(), explainHost)
                    .put(png, "png");

            // When a console on another host (an empty directory of its own) opens it
            ArtifactStore console = new ArtifactStore(dir.resolve("console-host/artifacts"), ArtifactStore.Limits.defaults(), consoleHost);
            Path served = console.open(id).orElseThrow();

            // Then it gets the same bytes, now kept in its own bounded directory
            assertArrayEquals(png, Files.readAllBytes(served));
            assertTrue(served.startsWith(dir.resolve("console-host/artifacts").toRealPath()));
            assertEquals(1, console.count());

            // and an object whose content does not hash to its id is refused
            ArtifactId forged = new ArtifactId(Sha256.of("another".getBytes(StandardCharsets.UTF_8)), "png");
            s3.overwrite("artifacts-test/artifacts/" + forged.id(), png);
            assertEquals(Optional.empty(), console.open(forged));
        }
    }

    private static ModelAnnouncement announcement(String uri, String sha) {
        return ModelAnnouncement.newBuilder().setModelName("m").setVersion("v2").setState(ModelAnnouncement.State.PROMOTED)
                .setUri(uri).setSha256(sha).build();
    }
}
