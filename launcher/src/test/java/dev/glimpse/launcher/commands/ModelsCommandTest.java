package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.trainingservice.ModelLifecycle;
import dev.glimpse.trainingservice.OperatorApi;
import dev.glimpse.trainingservice.TrainingMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./glimpse models}: listing needs only the read token, changes the write token. */
class ModelsCommandTest {

    @TempDir
    Path dir;

    @Test
    void shouldListModelsWithOnlyTheReadTokenButNotChangeThem() throws Exception {
        // Given a training service's operator API with a write and a read token, and a shell holding only the read one
        ModelStore store = new ModelStore(dir);
        store.publish("fashion", new byte[] {1}, ModelManifest.draft(ModelState.CANDIDATE, "",
                Map.of("holdout_accuracy", 0.8), Map.of(), Map.of()));
        ModelLifecycle lifecycle = new ModelLifecycle("fashion", store, a -> { },
                new TrainingMetrics(new SimpleMeterRegistry()), new ModelLifecycle.Settings(0.05, 100, 100, 0.2));
        lifecycle.bootstrap("v1", "seed");
        Map<String, String> env = Map.of(TrainingCommand.API_READ_TOKEN_VARIABLE, "read-secret");
        try (OperatorApi api = OperatorApi.start("127.0.0.1", 0, "write-secret", "read-secret", lifecycle, store,
                reason -> { })) {
            // When models list runs
            ModelsCommand.ListVersions list = new ModelsCommand.ListVersions();
            list.api.environment = env;
            FinetuneCommandTest.Run listed = FinetuneCommandTest.run(list, "--url", api.uri().toString(), "--token", "");

            // Then it lists the versions
            assertEquals(0, listed.exit(), listed.err());
            assertTrue(listed.out().startsWith("model fashion  serving v1"), listed.out());

            // And a change with the read token given as --token is refused by the service (403)
            ModelsCommand.Unpin unpin = new ModelsCommand.Unpin();
            FinetuneCommandTest.Run refused = FinetuneCommandTest.run(unpin, "--url", api.uri().toString(),
                    "--token", "read-secret");
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("HTTP 403"), refused.err());
            assertEquals("", lifecycle.pinned().orElse(""));
        }
    }
}
