package dev.glimpse.registry.swap;

import dev.glimpse.registry.testing.TinyOnnx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.registry.store.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSwapperShadowTest {
    @TempDir
    Path dir;

    record Served(String version, LoadedCandidate.Ready ready) implements AutoCloseable {
        @Override
        public void close() {
            ready.close();
        }
    }

    private ModelAnnouncement announce(String version, ModelAnnouncement.State state, double fraction) throws Exception {
        byte[] bytes = TinyOnnx.linear(4, 4, 3, 0.1f * version.length());
        Path file = dir.resolve(version + ".onnx");
        Files.write(file, bytes);
        return ModelAnnouncement.newBuilder().setModelName("m").setVersion(version).setState(state)
                .setUri(file.toString()).setSha256(Sha256.of(bytes)).setShadowFraction(fraction).build();
    }

    @Test
    void shouldRunShadowCandidateUntilItIsPromotedOrRejected() throws Exception {
        List<ModelAnnouncement> published = new CopyOnWriteArrayList<>();
        try (ModelCandidateLoader loader = ModelCandidateLoader.onCpu();
             HotSwapSlot<Served> live = new HotSwapSlot<>(null);
             HotSwapSlot<Served> shadow = new HotSwapSlot<>(null)) {
            ModelSwapper<Served> swapper = new ModelSwapper<>("m", "w1", null, null, loader,
                    r -> new Served(r.announcement().getVersion(), r), live, shadow, published::add, null);
            swapper.onAnnouncement(announce("v1", ModelAnnouncement.State.PROMOTED, 0)).join();
            assertEquals("v1", live.forNextBatch().version());

            // a shadow candidate answers its fraction of traffic beside the live model
            swapper.onAnnouncement(announce("v2", ModelAnnouncement.State.SHADOW, 0.25)).join();
            assertEquals("v2", shadow.forNextBatch().version());
            assertEquals(0.25, swapper.shadowFraction());
            assertEquals("v1", live.forNextBatch().version());

            // rejected: the shadow stops at the next batch, live untouched
            swapper.onAnnouncement(announce("v2", ModelAnnouncement.State.REJECTED, 0)).join();
            assertNull(shadow.forNextBatch());
            assertEquals(0.0, swapper.shadowFraction());

            // another shadow that gets promoted: it becomes the live model
            swapper.onAnnouncement(announce("v3", ModelAnnouncement.State.SHADOW, 0.1)).join();
            assertEquals("v3", shadow.forNextBatch().version());
            swapper.onAnnouncement(announce("v3", ModelAnnouncement.State.PROMOTED, 0)).join();
            assertEquals("v3", live.forNextBatch().version());
            assertTrue(published.isEmpty(), "nothing was rejected by the worker");
        }
    }
}
