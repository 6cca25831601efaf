package dev.glimpse.explainworker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.registry.artifacts.ArtifactStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness: the engine builds a serving version's sessions when it learns of the version, not on its first request. */
class SessionPreloadTest {

    @TempDir
    Path dir;

    @Test
    void shouldBuildTheConfiguredModelsAndEveryPromotedVersionsSessionsBeforeAnyRequest() throws Exception {
        // Given the configured tiny model (version 1) and a worker configured with gradcam and ablationcam
        Path v1 = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        Path v2 = TinyCnn.write(dir.resolve("tiny-v2.onnx"), "2", 8);
        ModelCatalog catalog = new ModelCatalog(v1);
        ExplainWorkerConfig cfg = ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), v1, dir.resolve("art"))
                .withMethods(List.of("gradcam", "ablationcam", "fullgrad"), null);
        try (OnnxExplanationEngine engine = new OnnxExplanationEngine(cfg, catalog,
                new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults()))) {
            // When nothing is asked of it, version 1 becomes ready in the background
            await().atMost(Duration.ofSeconds(60)).until(() -> engine.isReady(new ModelKey("tiny", "1")));
            assertFalse(engine.isReady(new ModelKey("tiny", "2")), "version 2 has not been announced yet");

            // When version 2 is announced as promoted, it becomes ready too, still without a request
            catalog.accept(ModelAnnouncement.newBuilder().setModelName("tiny").setVersion("2")
                    .setUri(v2.toUri().toString()).setState(ModelAnnouncement.State.PROMOTED).build());
            await().atMost(Duration.ofSeconds(60)).until(() -> engine.isReady(new ModelKey("tiny", "2")));
            assertEquals(2, engine.readyVersions());

            // When version 2 is rolled back it is no longer ready (its sessions are closed)
            catalog.accept(ModelAnnouncement.newBuilder().setModelName("tiny").setVersion("2")
                    .setState(ModelAnnouncement.State.ROLLED_BACK).build());
            engine.retire(new ModelKey("tiny", "2"));
            assertFalse(engine.isReady(new ModelKey("tiny", "2")));
            assertTrue(engine.isReady(new ModelKey("tiny", "1")));
        }
    }
}
