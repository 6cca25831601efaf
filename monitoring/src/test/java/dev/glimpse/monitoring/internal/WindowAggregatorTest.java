package dev.glimpse.monitoring.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.monitoring.DriftListener;
import dev.glimpse.monitoring.MonitoringConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WindowAggregatorTest {

    private static final long T0 = 1_800_000_000_000L; // a multiple of the window size
    private static final long IDLE = 10_000;
    private final MonitoringConfig config = MonitoringConfig.from(Map.of(MonitoringConfig.WINDOW_SIZE_MS, "5000",
            MonitoringConfig.WINDOW_HOP_MS, "5000", MonitoringConfig.WINDOW_GRACE_MS, "1000",
            MonitoringConfig.SOURCE_IDLE_MS, Long.toString(IDLE)));
    private final AtomicInteger late = new AtomicInteger();
    private MockProcessorContext<WindowKey, WindowSample> context;
    private WindowAggregator aggregator;
    private long wallClock = 5_000_000;

    @BeforeEach
    void start() {
        context = new MockProcessorContext<>();
        KeyValueStore<String, WindowSample> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("w"),
                Serdes.String(), MonitoringSerdes.windowSample()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        DriftListener listener = new DriftListener() {
            @Override
            public void onWindow(dev.glimpse.monitoring.DriftEvaluator.WindowId id, WindowSample window, boolean ready,
                                 List<dev.glimpse.contracts.events.DriftReport> reports) {
            }

            @Override
            public void onLateObservation(Observation observation) {
                late.incrementAndGet();
            }
        };
        aggregator = new WindowAggregator(config, "w", listener, 2);
        context.setCurrentSystemTimeMs(wallClock);
        aggregator.init(context);
    }

    @Test
    void shouldHoldWindowsUntilEveryInputPartitionHasPassedThemAndCountEveryRecord() {
        // Given: partition 0 runs 30 s ahead (all its records first), partition 1 has sent one record at 1 s
        for (int s = 1; s <= 34; s++) {
            send(0, T0 + s * 1000L);
        }
        send(1, T0 + 1000);

        // Then: no window closes while partition 1 is at 1 s, although partition 0 is at 34 s
        assertEquals(0, context.forwarded().size());

        // When partition 1 catches up
        for (int s = 2; s <= 34; s++) {
            send(1, T0 + s * 1000L);
        }

        // Then the windows up to [25 s, 30 s) closed (end + 1 s grace <= 34 s), in order, with both partitions' records
        List<MockProcessorContext.CapturedForward<? extends WindowKey, ? extends WindowSample>> out = context.forwarded();
        assertEquals(6, out.size());
        for (int w = 0; w < 6; w++) {
            WindowKey key = out.get(w).record().key();
            assertEquals(T0 + w * 5000L, key.startMs());
            // 5 records per partition per window, except window 0 which starts at 1 s (4 each)
            assertEquals(w == 0 ? 8 : 10, out.get(w).record().value().predictions(), "window " + w);
        }
        assertEquals(0, late.get());
    }

    @Test
    void shouldCloseTheLastWindowsWithTheWallClockOnceEveryPartitionIsQuiet() {
        // Given both partitions at 12 s, then nothing more (the stream stopped)
        for (int s = 1; s <= 12; s++) {
            send(0, T0 + s * 1000L);
            send(1, T0 + s * 1000L);
        }
        assertEquals(2, context.forwarded().size(), "[0, 5 s) and [5 s, 10 s) closed by event time");

        // When the wall clock moves on: just short of the idle time, then to it
        punctuateAt(wallClock + IDLE - 1);
        int beforeIdle = context.forwarded().size();
        punctuateAt(wallClock + IDLE);

        // Then [10 s, 15 s) waited while a partition could still send, and closed once both were idle (event time
        // 12 s + 10 s of quiet >= 15 s + 1 s grace)
        assertEquals(2, beforeIdle);
        assertEquals(3, context.forwarded().size());
        assertEquals(T0 + 10_000, context.forwarded().get(2).record().key().startMs());
        assertEquals(6, context.forwarded().get(2).record().value().predictions()); // 10, 11, 12 s of both
    }

    @Test
    void shouldNotLetAPartitionThatHasNotSentYetBeIdleBeforeTheStreamStarts() {
        // Given the service started long before the first record (wall clock moved on by 5 idle periods)
        wallClock += 5 * IDLE;
        // When partition 0 sends 20 s of records before partition 1 sends anything
        for (int s = 1; s <= 20; s++) {
            send(0, T0 + s * 1000L);
        }
        // Then partition 1 still holds the windows: it is not idle until IDLE after the stream's first record
        assertEquals(0, context.forwarded().size());
        send(1, T0 + 2000);
        assertEquals(0, late.get());
        assertEquals(0, context.forwarded().size());
    }

    @Test
    void shouldCountARecordForAClosedWindowAsLate() {
        for (int s = 1; s <= 12; s++) {
            send(0, T0 + s * 1000L);
            send(1, T0 + s * 1000L);
        }
        send(1, T0 + 2000); // [0, 5 s) closed when both partitions passed 6 s
        assertEquals(1, late.get());
        assertEquals(8, context.forwarded().get(0).record().value().predictions(), "the late record is not in it");
    }

    private void send(int partition, long timestamp) {
        context.setCurrentSystemTimeMs(wallClock);
        RecordHeaders headers = new RecordHeaders();
        headers.add(WindowAggregator.SOURCE_HEADER, WindowAggregator.sourceHeader(partition));
        Observation o = new Observation(Observation.Kind.PREDICTION, "m", "v1", 1, 0.9, new float[0], -1, Double.NaN,
                Double.NaN);
        aggregator.process(new Record<>("m@v1", o, timestamp, headers));
    }

    private void punctuateAt(long wall) {
        context.setCurrentSystemTimeMs(wall);
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(wall);
    }
}
