package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    @Test
    void shouldFlushAsSoonAsMaxBatchSizeItemsWait() {
        // Given a batcher that would otherwise wait 10 s
        MicroBatcher<Integer> batcher = new MicroBatcher<>(4, Duration.ofSeconds(10), 16);
        for (int i = 0; i < 6; i++) {
            batcher.offer(i);
        }
        // When a batch is asked for
        long t0 = System.nanoTime();
        List<Integer> batch = batcher.nextBatch(Duration.ofSeconds(5));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;

        // Then the first 4 come at once, in arrival order, and 2 stay behind
        assertEquals(List.of(0, 1, 2, 3), batch);
        assertTrue(waitedMs < 1000, "waited " + waitedMs + " ms for a full batch");
        assertEquals(2, batcher.size());
    }

    @Test
    void shouldFlushAPartialBatchWhenTheOldestItemHasWaitedMaxWait() {
        MicroBatcher<String> batcher = new MicroBatcher<>(100, Duration.ofMillis(80), 100);
        long offered = System.nanoTime();
        batcher.offer("a");
        batcher.offer("b");

        List<String> batch = batcher.nextBatch(Duration.ofSeconds(5));
        long heldMs = (System.nanoTime() - offered) / 1_000_000;

        assertEquals(List.of("a", "b"), batch);
        assertTrue(heldMs >= 79, "flushed after " + heldMs + " ms, before max wait");
        assertTrue(heldMs < 1000, "flushed only after " + heldMs + " ms");
    }

    @Test
    void shouldReturnEmptyWhenNothingArrivesBeforeTheTimeout() {
        MicroBatcher<String> batcher = new MicroBatcher<>(8, Duration.ofMillis(10), 8);
        assertEquals(List.of(), batcher.nextBatch(Duration.ofMillis(30)));
    }

    @Test
    void shouldRefuseItemsBeyondCapacityUntilABatchIsTaken() {
        MicroBatcher<Integer> batcher = new MicroBatcher<>(2, Duration.ZERO, 3);
        assertTrue(batcher.offer(1));
        assertTrue(batcher.offer(2));
        assertTrue(batcher.offer(3));
        assertFalse(batcher.offer(4), "a full batcher must refuse so the caller applies backpressure");
        assertEquals(List.of(1, 2), batcher.nextBatch(Duration.ofSeconds(1)));
        assertTrue(batcher.offer(4));
        batcher.clear();
        assertEquals(0, batcher.size());
    }

    @Test
    void shouldNeverHoldAnItemLongerThanMaxWaitPlusOneBatchTime() throws Exception {
        // Given a slow consumer (100 ms per batch), max wait 40 ms, capacity = max batch size, and a producer that
        // backs off while the batcher is full (what the worker does by pausing partitions)
        long maxWaitMs = 40;
        long batchTimeMs = 100;
        MicroBatcher<Long> batcher = new MicroBatcher<>(8, Duration.ofMillis(maxWaitMs), 8);
        ConcurrentHashMap<Long, Long> heldNanos = new ConcurrentHashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread consumer = new Thread(() -> {
            while (producing.get() || batcher.size() > 0) {
                List<Long> batch = batcher.nextBatch(Duration.ofMillis(50));
                long now = System.nanoTime();
                for (Long offeredAt : batch) {
                    heldNanos.put(offeredAt, now - offeredAt);
                }
                if (!batch.isEmpty()) {
                    sleep(batchTimeMs);
                }
            }
        });
        consumer.start();

        // When items arrive irregularly for ~1.5 s: bursts (fill the batcher) and trickles (partial batches)
        long end = System.nanoTime() + 1_500_000_000L;
        int i = 0;
        while (System.nanoTime() < end) {
            long offeredAt = System.nanoTime();
            if (batcher.offer(offeredAt)) {
                i++;
                sleep(i % 20 < 10 ? 0 : 15);
            } else {
                sleep(1);
            }
        }
        producing.set(false);
        consumer.join(5000);

        // Then every item left within max wait + one batch time (plus scheduling slack on a shared 2-core box)
        long slackMs = 50;
        long worstMs = heldNanos.values().stream().mapToLong(n -> n / 1_000_000).max().orElseThrow();
        assertEquals(i, heldNanos.size(), "every offered item was handed out");
        assertTrue(worstMs <= maxWaitMs + batchTimeMs + slackMs,
                "an item was held " + worstMs + " ms > max wait " + maxWaitMs + " + batch time " + batchTimeMs);
        // and the time rule, not only the size rule, was exercised
        assertTrue(new ArrayList<>(heldNanos.values()).stream().anyMatch(n -> n / 1_000_000 >= maxWaitMs - 1));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
