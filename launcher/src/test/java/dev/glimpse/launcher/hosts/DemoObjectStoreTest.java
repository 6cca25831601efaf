package dev.glimpse.launcher.hosts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.registry.objectstore.S3ObjectStore;
import dev.glimpse.registry.store.Sha256;
import dev.glimpse.registry.testing.InProcessS3;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./glimpse demo --store s3://bucket/prefix --store-endpoint URL}: the demo's services publish the model
 * version and every explanation artifact to an S3-compatible bucket (s3proxy in this JVM, over HTTP with signature
 * v4, its filesystem backend under a temporary directory) as well as to the data directory.
 */
class DemoObjectStoreTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dataDir;
    @TempDir
    Path s3Dir;

    @Test
    void shouldPutTheModelVersionAndEveryArtifactIntoTheBucket() throws Exception {
        boolean fashion = FashionMnist.isAvailable();
        String dataset = fashion ? "fashion-mnist" : "scenes";
        Path model = ROOT.resolve(fashion ? "models/fashion-mnist/model.onnx" : "models/scenes-outside/model.onnx");
        try (InProcessS3 s3 = new InProcessS3(s3Dir, "glimpse-demo")) {
            // Given the CLI, an S3-compatible server with an empty bucket (its credentials in the AWS SDK's system
            // properties, as the default chain reads them)
            CommandLine cli = Glimpse.commandLine();
            StringWriter out = new StringWriter();
            cli.setOut(new PrintWriter(out));

            // When a short demo runs against it, with feedback (so the training service publishes the start version)
            // and every prediction explained
            int code = cli.execute("demo", "--events", "120", "--dataset", dataset, "--model", model.toString(),
                    "--feedback", "0.5", "--explain-policy", "all", "--data-dir", dataDir.toString(),
                    "--store", "s3://glimpse-demo/run1", "--store-endpoint", s3.endpoint().toString(),
                    "--kafka-port", "0", "--metrics-port", "0", "--ingest-port", "-1", "--http-port", "0",
                    "--rate", "0", "--device", "cpu");

            // Then the demo ran as usual
            String summary = out.toString();
            assertEquals(0, code, summary);
            assertTrue(summary.contains("predictions 120, dead letters 0"), summary);
            try (S3ObjectStore bucket = new S3ObjectStore(s3.settings("run1"))) {
                // and the start model, stored as v1, is in the bucket with the bytes of the local store's copy
                Path local = dataDir.resolve("models").resolve("fashion").resolve("v1").resolve("model.onnx");
                assertTrue(Files.isRegularFile(local), "the training service stored v1 locally");
                assertArrayEquals(Files.readAllBytes(local), bucket.get("models/fashion/v1/model.onnx").orElseThrow(),
                        "v1 in the bucket");
                assertTrue(bucket.exists("models/fashion/v1/model.json"), "its manifest too");

                // and every artifact of the explain worker's directory is in the bucket under artifacts/<sha256>.<ext>,
                // its content matching the sha256 its name gives
                List<Path> artifacts;
                try (Stream<Path> files = Files.walk(dataDir.resolve("artifacts"))) {
                    artifacts = files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}\\..+"))
                            .toList();
                }
                assertFalse(artifacts.isEmpty(), "the explain worker wrote artifacts");
                assertTrue(artifacts.stream().anyMatch(p -> p.toString().endsWith(".png")), "heatmaps among them");
                for (Path artifact : artifacts) {
                    String name = artifact.getFileName().toString();
                    byte[] inBucket = bucket.get("artifacts/" + name).orElseThrow(() -> new AssertionError(name + " is not in the bucket"));
                    assertEquals(name.substring(0, 64), Sha256.of(inBucket), name);
                }
                Set<String> onServerDisk;
                try (Stream<Path> files = Files.walk(s3Dir.resolve("glimpse-demo").resolve("run1").resolve("artifacts"))) {
                    onServerDisk = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).collect(Collectors.toSet());
                }
                assertEquals(artifacts.size(), onServerDisk.size(), "the server holds exactly those artifacts");
            }
        }
    }

    @Test
    void shouldRefuseAnUnreachableBucketWithOneLineAndExitCode2() {
        // Given an S3 endpoint where nothing listens
        CommandLine cli = Glimpse.commandLine();
        // When the demo starts against it; Then it exits 2 before starting Kafka
        int code = cli.execute("demo", "--events", "10", "--data-dir", dataDir.toString(), "--store", "s3://nowhere/x",
                "--store-endpoint", "http://127.0.0.1:1", "--kafka-port", "0", "--metrics-port", "0",
                "--ingest-port", "-1", "--http-port", "-1");
        assertEquals(2, code);
        assertFalse(Files.exists(dataDir.resolve("kafka")), "nothing started");
    }
}
