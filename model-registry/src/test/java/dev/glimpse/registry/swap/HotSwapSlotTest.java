package dev.glimpse.registry.swap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HotSwapSlotTest {

    static final class FakeModel implements AutoCloseable {
        final int version;
        final AtomicBoolean closed = new AtomicBoolean();

        FakeModel(int version) {
            this.version = version;
        }

        int answer() {
            if (closed.get()) {
                throw new IllegalStateException("v" + version + " answered after close");
            }
            return version;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void shouldSwitchOnlyAtBatchStartAndCloseOldModelAfterward() {
        FakeModel v1 = new FakeModel(1);
        FakeModel v2 = new FakeModel(2);
        HotSwapSlot<FakeModel> slot = new HotSwapSlot<>(v1);
        FakeModel batchModel = slot.forNextBatch();
        slot.stage(v2); // arrives mid-batch
        assertEquals(1, batchModel.answer(), "the running batch keeps its model");
        assertFalse(v1.closed.get());
        assertSame(v2, slot.forNextBatch());
        assertTrue(v1.closed.get());
        assertEquals(1, slot.swaps());
    }

    @Test
    void shouldEmptySlotAtNextBatchWhenRetired() {
        FakeModel shadow = new FakeModel(5);
        HotSwapSlot<FakeModel> slot = new HotSwapSlot<>(null);
        assertEquals(null, slot.forNextBatch(), "no shadow model yet");
        slot.stage(shadow);
        assertSame(shadow, slot.forNextBatch());
        slot.retire();
        assertFalse(shadow.closed.get(), "still in use by the running batch");
        assertEquals(null, slot.forNextBatch());
        assertTrue(shadow.closed.get());
    }

    @Test
    void shouldCloseSupersededStagedModel() {
        FakeModel v1 = new FakeModel(1);
        FakeModel v2 = new FakeModel(2);
        FakeModel v3 = new FakeModel(3);
        HotSwapSlot<FakeModel> slot = new HotSwapSlot<>(v1);
        slot.stage(v2);
        slot.stage(v3);
        assertTrue(v2.closed.get(), "never served, closed when superseded");
        assertSame(v3, slot.forNextBatch());
    }

    @Test
    void shouldGiveMonotonicVersionsWithEveryBatchAnsweredByOneOpenModelUnderConcurrentStaging() throws Exception {
        HotSwapSlot<FakeModel> slot = new HotSwapSlot<>(new FakeModel(0));
        Thread stager = new Thread(() -> {
            for (int v = 1; v <= 200; v++) {
                slot.stage(new FakeModel(v));
                Thread.onSpinWait();
            }
        });
        List<Integer> answeredBy = new ArrayList<>();
        stager.start();
        while (stager.isAlive() || slot.hasStaged()) {
            FakeModel m = slot.forNextBatch();
            for (int i = 0; i < 8; i++) { // a batch of 8 events
                answeredBy.add(m.answer()); // throws if the model was closed under us
            }
        }
        stager.join();
        for (int i = 1; i < answeredBy.size(); i++) {
            assertTrue(answeredBy.get(i) >= answeredBy.get(i - 1), "versions never go back");
        }
        for (int i = 0; i < answeredBy.size(); i += 8) {
            assertEquals(1, answeredBy.subList(i, i + 8).stream().distinct().count(), "one model per batch");
        }
        assertEquals(200, slot.current().version);
    }
}
