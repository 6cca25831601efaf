package dev.glimpse.registry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
    @TempDir
    Path root;

    private static ModelManifest draft(String parent) {
        return ModelManifest.draft(ModelState.CANDIDATE, parent, Map.of("holdout_accuracy", 0.91),
                Map.of("lr", "0.001", "freeze", "all-but-head"), Map.of("training-examples-0", "0-99"));
    }

    @Test
    void shouldStoreModelAndManifestWithShaAndLineage() throws Exception {
        ModelStore store = new ModelStore(root);
        byte[] bytes = "onnx-bytes".getBytes(StandardCharsets.UTF_8);

        StoredModel stored = store.publish("fashion", bytes, draft("v0"));

        assertEquals("v1", stored.version());
        assertEquals(root.toRealPath().resolve("fashion/v1/model.onnx"), stored.modelPath());
        assertArrayEquals(bytes, Files.readAllBytes(stored.modelPath()));
        ModelManifest read = store.get("fashion", "v1").manifest();
        // sha256 computed independently of the store's helper
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), read.sha256());
        assertEquals(bytes.length, read.sizeBytes());
        assertEquals("v0", read.parentVersion());
        assertEquals(0.91, read.metrics().get("holdout_accuracy"));
        assertEquals("all-but-head", read.hyperparameters().get("freeze"));
        assertEquals("0-99", read.dataOffsets().get("training-examples-0"));
        assertEquals(ModelState.CANDIDATE, read.state());
        assertTrue(read.createdAtMs() > 0);
        assertTrue(Files.readString(root.resolve("fashion/v1/model.json")).contains("\"sha256\""));
    }

    @Test
    void shouldAssignMonotonicVersionsAcrossStoreInstancesAndThreads() throws Exception {
        new ModelStore(root).publish("m", new byte[] {1}, draft(""));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<String>> futures = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte b = (byte) i;
            // separate instances share nothing in memory: only the file system arbitrates
            futures.add(pool.submit(() -> new ModelStore(root).publish("m", new byte[] {b}, draft("")).version()));
        }
        List<String> versions = new ArrayList<>();
        for (Future<String> f : futures) {
            versions.add(f.get());
        }
        pool.shutdown();
        assertEquals(12, versions.stream().distinct().count(), "no version handed out twice: " + versions);
        List<String> listed = new ModelStore(root).versions("m").stream().map(StoredModel::version).toList();
        assertEquals(13, listed.size());
        for (int i = 0; i < listed.size(); i++) {
            assertEquals("v" + (i + 1), listed.get(i), "oldest first, numeric order (v10 after v9)");
        }
        try (var files = Files.list(root.resolve("m"))) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".tmp")), "no temp dir left behind");
        }
    }

    @Test
    void shouldRefuseToReadModelWhoseBytesChangedAfterStoring() throws Exception {
        ModelStore store = new ModelStore(root);
        StoredModel stored = store.publish("m", new byte[] {1, 2, 3}, draft(""));
        assertArrayEquals(new byte[] {1, 2, 3}, store.readVerified("m", "v1"));

        Files.write(stored.modelPath(), new byte[] {1, 2, 4});

        ModelStoreException e = assertThrows(ModelStoreException.class, () -> store.readVerified("m", "v1"));
        assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
    }

    @Test
    void shouldRejectPathTraversalInNamesAndVersions() {
        ModelStore store = new ModelStore(root);
        for (String bad : List.of("..", "../etc", "a/b", "a\\b", "", ".hidden", "/abs", "x".repeat(200))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> store.publish(bad, new byte[] {1}, draft("")), "name " + bad);
            assertTrue(e.getMessage().contains("invalid model name"), e.getMessage());
        }
        for (String bad : List.of("../v1", "v1/../../x", "1", "v", "v1a")) {
            assertThrows(IllegalArgumentException.class, () -> store.get("m", bad), "version " + bad);
        }
    }

    @Test
    void shouldUpdateStateAtomicallyAndFindCurrentPromoted() {
        ModelStore store = new ModelStore(root);
        store.publish("m", new byte[] {1}, draft(""));
        store.publish("m", new byte[] {2}, draft("v1"));
        store.updateState("m", "v1", ModelState.PROMOTED, "seed");
        assertEquals("v1", store.currentPromoted("m").orElseThrow().version());

        store.updateState("m", "v2", ModelState.PROMOTED, "better");
        store.updateState("m", "v2", ModelState.ROLLED_BACK, "live accuracy fell");

        assertEquals("v1", store.currentPromoted("m").orElseThrow().version(), "v1 serves again after v2's rollback");
        assertEquals("live accuracy fell", store.get("m", "v2").manifest().reason());
        assertEquals(store.get("m", "v2").manifest().sha256(), Sha256.of(new byte[] {2}), "state change keeps identity");
    }

    @Test
    void shouldPinAndUnpin() {
        ModelStore store = new ModelStore(root);
        store.publish("m", new byte[] {1}, draft(""));
        assertTrue(store.pinned("m").isEmpty());
        store.pin("m", "v1");
        assertEquals("v1", store.pinned("m").orElseThrow());
        assertThrows(ModelStoreException.class, () -> store.pin("m", "v9"), "cannot pin a missing version");
        store.unpin("m");
        assertTrue(store.pinned("m").isEmpty());
    }
}
