package dev.glimpse.launcher.hosts;

import dev.glimpse.platform.http.BearerAuth;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.Arrays;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.objectstore.S3ObjectStore;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.Sha256;
import dev.glimpse.registry.store.StoredModel;
import dev.glimpse.registry.testing.InProcessS3;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts, one S3-compatible store: this JVM is host A (the training side publishing model versions, and the
 * console); a second JVM started as a separate process ({@link WorkerHost}) is host B (inference and explain
 * workers) with its own data directory. They share no path: only Kafka and the bucket (s3proxy, in this JVM,
 * reached over HTTP). A version promoted on A reaches B's worker, which hot-swaps to it; B's explain worker stores
 * its heatmaps in the bucket, and A's console serves them from there.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TwoHostObjectStoreTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path hostA;
    @TempDir
    Path hostB;
    @TempDir
    Path s3Dir;

    @Test
    void shouldHotSwapAVersionFromTheBucketOnAnotherHostAndServeItsHeatmapsFromTheBucket(KafkaTestContext kafka)
            throws Exception {
        byte[] model = Files.readAllBytes(ROOT.resolve("models/fashion-mnist/model.onnx"));
        TopicCatalog catalog = kafka.catalog();
        try (InProcessS3 s3 = new InProcessS3(s3Dir, "glimpse-hosts");
             S3ObjectStore trainingSide = new S3ObjectStore(s3.settings("prod")).verifyReachable();
             S3ObjectStore consoleSide = new S3ObjectStore(s3.settings("prod")).verifyReachable()) {
            // Given host A's model store publishing to the bucket: v1 (the start model) and v2
            ModelStore store = new ModelStore(hostA.resolve("models"), trainingSide);
            StoredModel v1 = store.publish("fashion", model, ModelManifest.draft(ModelState.PROMOTED, "", Map.of(), Map.of(), Map.of()));
            StoredModel v2 = store.publish("fashion", model, ModelManifest.draft(ModelState.CANDIDATE, "v1", Map.of(), Map.of(), Map.of()));
            // and host B, another JVM whose only knowledge of v1 is its store URI and sha256
            Process hostBProcess = startWorkerHost(kafka, catalog, s3, store.storeUri(v1), v1.manifest().sha256());
            List<String> hostBOutput = new CopyOnWriteArrayList<>();
            Thread reader = pump(hostBProcess, hostBOutput);
            try {
                Awaitility.await("host B ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> hostBOutput.stream().anyMatch(l -> l.startsWith("ready:")) || !hostBProcess.isAlive());
                if (!hostBProcess.isAlive()) {
                    reader.join(5_000);
                }
                assertTrue(hostBProcess.isAlive(), () -> "host B exited with " + hostBProcess.exitValue() + ":\n"
                        + String.join("\n", hostBOutput));

                // When host A promotes v2 on the models topic (its URI: the object in the bucket)
                String v2Uri = store.storeUri(v2);
                assertTrue(v2Uri.startsWith("s3://glimpse-hosts/prod/models/fashion/v2/"), v2Uri);
                kafka.produce(catalog.models(), "fashion/v2", ModelAnnouncement.newBuilder().setModelName("fashion")
                        .setVersion("v2").setState(ModelAnnouncement.State.PROMOTED).setUri(v2Uri)
                        .setSha256(v2.manifest().sha256()).setParentVersion("v1")
                        .setAnnouncedAtMs(System.currentTimeMillis()).build());
                // and images keep coming until host B answers with v2
                List<ConsumerRecord<String, Prediction>> byV2 = new ArrayList<>();
                Random rng = new Random(7);
                int sent = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (byV2.isEmpty() && System.nanoTime() < deadline && hostBProcess.isAlive()) {
                    for (int i = 0; i < 5; i++, sent++) {
                        kafka.produce(catalog.images(), "img-" + sent, image("img-" + sent, rng));
                    }
                    for (ConsumerRecord<String, Prediction> r : kafka.readAll(catalog.predictions())) {
                        if (r.value().getModelVersion().equals("v2")) {
                            byV2.add(r);
                        }
                    }
                }

                // Then host B's worker swapped to v2, downloaded from the bucket into its own cache, verified
                assertFalse(byV2.isEmpty(), "no prediction by v2 after " + sent + " images; host B said:\n"
                        + String.join("\n", hostBOutput));
                assertTrue(Files.isRegularFile(hostB.resolve("store-cache").resolve(v2.manifest().sha256())),
                        "v2 is in host B's cache under its sha256");
                assertFalse(Files.exists(hostA.resolve("store-cache")), "host A downloads nothing");

                // and host A's console, over an empty artifact directory of its own, serves B's heatmap of a v2 image
                String v2Image = byV2.get(0).value().getImageId();
                Explanation explanation = Awaitility.await("explanation of " + v2Image).atMost(Duration.ofSeconds(90))
                        .until(() -> kafka.readAll(catalog.explanations()).stream().map(ConsumerRecord::value)
                                .filter(e -> e.getImageId().equals(v2Image) && e.getArtifactsCount() > 0).findFirst()
                                .orElse(null), e -> e != null);
                assertEquals("v2", explanation.getModelVersion());
                ArtifactId heatmap = ArtifactId.fromUri(explanation.getArtifacts(0).getImageUri());
                ArtifactStore consoleStore = new ArtifactStore(hostA.resolve("console-artifacts"),
                        ArtifactStore.Limits.defaults(), consoleSide);
                assertEquals(0, consoleStore.count(), "the console holds nothing of its own");
                ConsoleServer console = ConsoleServer.create(kafka.bootstrapServers(), catalog, null, consoleStore, 0, null,
                        BearerAuth.of("two-host-token", null, false), new SimpleMeterRegistry());
                console.start();
                try {
                    HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(console.url() + "artifacts/" + heatmap.id())).timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
                    assertEquals("image/png", response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
                    assertEquals(heatmap.sha256(), Sha256.of(response.body()), "the bytes B stored, verified by their id");
                    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(response.body(), 4));
                    assertFalse(Files.exists(hostA.resolve("artifacts")), "no artifact directory of B's on A");
                } finally {
                    console.close();
                }
                System.out.println("two hosts: " + sent + " images sent, v2 first answered " + v2Image
                        + ", heatmap " + heatmap.id() + " served by host A's console from " + consoleSide.describe());
            } finally {
                hostBProcess.getOutputStream().close(); // WorkerHost stops when its stdin closes
                if (!hostBProcess.waitFor(30, TimeUnit.SECONDS)) {
                    hostBProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                reader.join(5_000);
            }
        }
    }

    private Process startWorkerHost(KafkaTestContext kafka, TopicCatalog catalog, InProcessS3 s3, String v1Uri, String v1Sha)
            throws Exception {
        // -Xss16m as ./glimpse runs: the explain engine walks graphs deeply on its threads
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Xss16m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                WorkerHost.class.getName(), kafka.bootstrapServers(), catalog.prefix(), "s3://" + s3.bucket() + "/prod",
                s3.endpoint().toString(), hostB.toString(), v1Uri, v1Sha));
        ProcessBuilder pb = new ProcessBuilder(command).directory(hostB.toFile()).redirectErrorStream(true);
        // credentials reach host B the standard way (environment), not as a shared file
        pb.environment().put("AWS_ACCESS_KEY_ID", s3.accessKey());
        pb.environment().put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
        pb.environment().put("AWS_REGION", InProcessS3.REGION);
        return pb.start();
    }

    private static Thread pump(Process process, List<String> lines) {
        Thread t = new Thread(() -> {
            try (var in = process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    System.out.println("[host B] " + line);
                }
            } catch (IOException e) {
                lines.add("(output closed: " + e + ")");
            }
        }, "host-b-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static ImageEvent image(String id, Random rng) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, rng.nextInt(256));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        return ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(png.toByteArray()))
                .setContentType("image/png").setWidth(28).setHeight(28).setChannels(1).setSource("test").setLabel(-1)
                .setIngestedAtMs(System.currentTimeMillis()).build();
    }
}
