package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.contracts.events.ModelAnnouncement;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {
    @TempDir
    Path dir;

    @Test
    void shouldAnswerWithTheConfiguredFileOnlyForTheVersionItIs() throws Exception {
        // Given an explain worker configured with one model file, tiny version 1
        Path file = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        ModelCatalog catalog = new ModelCatalog(file);

        // Then version 1 (as the metadata or the store writes it) resolves to it; a hot-swapped v2, or another
        // model, does not (it would be explained with the wrong weights)
        assertEquals(Optional.of(file), catalog.resolve(new ModelKey("tiny", "1")));
        assertEquals(Optional.of(file), catalog.resolve(new ModelKey("tiny", "v1")));
        assertEquals(Optional.empty(), catalog.resolve(new ModelKey("tiny", "v2")));
        assertEquals(Optional.empty(), catalog.resolve(new ModelKey("other", "1")));
    }

    @Test
    void shouldResolveAnAnnouncedVersionToItsUri() throws Exception {
        // Given the configured file (v1) and an announcement of v2 with its file
        Path file = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        Path v2 = TinyCnn.write(dir.resolve("v2.onnx"), "2", 8);
        ModelCatalog catalog = new ModelCatalog(file);

        // When v2 is announced
        catalog.accept(ModelAnnouncement.newBuilder().setModelName("tiny").setVersion("v2").setUri(v2.toUri().toString())
                .setState(ModelAnnouncement.State.PROMOTED).build());

        // Then its predictions are explained with its own file
        assertEquals(Optional.of(v2), catalog.resolve(new ModelKey("tiny", "v2")));
    }
}
