package dev.glimpse.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreLayoutTest {

    @TempDir
    Path root;

    @Test
    void shouldPlaceVersionFilesUnderNameAndVersion() {
        ModelStoreLayout layout = new ModelStoreLayout(root);
        assertEquals(root.resolve("fashion/v3/model.onnx"), layout.modelFile("fashion", "v3"));
        assertEquals(root.resolve("fashion/v3/model.json"), layout.manifestFile("fashion", "v3"));
        assertEquals(3, ModelStoreLayout.versionNumber("v3"));
    }

    @Test
    void shouldRefuseNamesThatAreNotStoreNamesWhenWriting() {
        ModelStoreLayout layout = new ModelStoreLayout(root);
        assertThrows(IllegalArgumentException.class, () -> layout.modelFile("..", "v1"));
        assertThrows(IllegalArgumentException.class, () -> layout.modelFile("a/b", "v1"));
        assertThrows(IllegalArgumentException.class, () -> layout.modelFile("fashion", "3"));
    }

    @Test
    void shouldFindFilesNamedByEventsOnlyInsideTheRoot() throws Exception {
        // Given a hand-made layout with a non-store version name and a file outside the root
        Path model = Files.createDirectories(root.resolve("tiny/1")).resolve("model.onnx");
        Files.write(model, new byte[] {1});
        Files.write(root.getParent().resolve("model.onnx"), new byte[] {2});
        ModelStoreLayout layout = new ModelStoreLayout(root);

        // Then plain names resolve, and nothing that climbs out of the root does
        assertEquals(Optional.of(model), layout.existingModelFile("tiny", "1"));
        assertTrue(layout.existingModelFile("tiny", "2").isEmpty(), "absent version");
        assertTrue(layout.existingModelFile("..", "..").isEmpty(), "'..' never becomes a path");
        assertTrue(layout.existingModelFile("tiny/../..", "x").isEmpty(), "separators never become a path");
        assertTrue(layout.existingManifest("tiny", "1").isEmpty(), "no manifest written");
    }
}
