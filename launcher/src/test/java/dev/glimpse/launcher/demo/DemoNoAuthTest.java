package dev.glimpse.launcher.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.datasets.Datasets;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.ExecutionDevice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./glimpse demo --no-auth}: no token file, one WARN line, write endpoints open. */
@ExtendWith(KafkaBrokerExtension.class)
class DemoNoAuthTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldRunWithoutATokenFileAndWarnOnce() {
        // Given the whole CLI in this JVM, on free ports and a fresh data directory
        CommandLine cli = Glimpse.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(System.err, true));
        int code;
        try {
            // When the demo runs with --no-auth
            code = cli.execute("demo", "--no-auth", "--events", "40", "--data-dir", dataDir.toString(),
                    "--kafka-port", "0", "--metrics-port", "0", "--ingest-port", "0", "--http-port", "0", "--rate", "0",
                    "--device", "cpu", "--explain-policy", "off");
        } finally {
            System.setErr(savedErr);
        }
        String log = err.toString(StandardCharsets.UTF_8);

        // Then it runs to its summary, makes no token file, and says once (not per service) that auth is off
        assertEquals(0, code, "out: " + out + "\nerr: " + log);
        assertTrue(out.toString().contains("summary: events 40, predictions 40"), out.toString());
        assertFalse(Files.exists(dataDir.resolve("token")), "no token file with --no-auth");
        List<String> warnings = log.lines().filter(l -> l.contains("authentication is OFF")).toList();
        assertEquals(1, warnings.size(), log);
        assertTrue(warnings.get(0).startsWith("glimpse demo: WARN") && warnings.get(0).contains("--no-auth"), warnings.get(0));
        assertFalse(log.contains("bearer token of the write endpoints"), log);
    }

    @Test
    void shouldOpenTheIngestWriteEndpointsOfANoAuthDemoAndCloseThemOtherwise(KafkaTestContext kafka) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] png = Datasets.open("shapes").test().get(0).toPng();
        for (boolean auth : List.of(false, true)) {
            // Given the demo's ingest service for a demo with and without --no-auth (a token file for the latter)
            if (auth) {
                dev.glimpse.platform.http.BearerAuth.writeTokenFile(dataDir.resolve("token"), "demo-token-123");
            }
            DemoContext c = new DemoContext(kafka.bootstrapServers(), kafka.catalog(), new SimpleMeterRegistry(), dataDir,
                    Path.of("unused.onnx"), "shapes", ExecutionDevice.parse("cpu"), 1, 0, -1, 0, 1, "off", 0, auth);
            try (IngestService ingest = DemoServices.ingestService(c)) {
                ingest.start();
                // When an image is uploaded without a token
                URI images = ingest.httpUri().orElseThrow().resolve("/v1/images");
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(images).header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
                // Then only the no-auth demo takes it
                assertEquals(auth ? 401 : 201, r.statusCode(), "auth=" + auth + ": " + r.body());
            }
        }
    }
}
