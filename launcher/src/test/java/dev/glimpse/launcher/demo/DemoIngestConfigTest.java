package dev.glimpse.launcher.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.runtime.ExecutionDevice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results API of the demo's ingest links explanation artifacts to the demo's own console. */
class DemoIngestConfigTest {

    @TempDir
    Path dir;

    private DemoContext context(int consolePort) {
        return new DemoContext("127.0.0.1:9", TopicCatalog.defaults(), new SimpleMeterRegistry(), dir, dir.resolve("m.onnx"),
                "shapes", ExecutionDevice.CPU, 10, 200, consolePort, 0, 1, "all", 0);
    }

    @Test
    void shouldPointArtifactUrlsAtTheConsolePortTheDemoWasGiven() {
        // the demo with --http-port 9090: /v1/predictions/{id} must not link to a console on 8080
        assertEquals("http://127.0.0.1:9090", DemoServices.ingestConfig(context(9090)).artifactsUrl());
        assertEquals("http://127.0.0.1:8080", DemoServices.ingestConfig(context(8080)).artifactsUrl());
    }
}
