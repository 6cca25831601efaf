package dev.glimpse.monitoring.internal;

import dev.glimpse.monitoring.DriftListener;
import dev.glimpse.monitoring.MonitoringConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Aggregates the observations of each model version into event-time windows and emits a window once the
 * watermark has passed its end plus the grace period. The watermark is the smallest event time reached by the
 * input partitions the observations came from (stamped in a header before the repartition), not the largest
 * time seen, because after the repartition the records of all input partitions are interleaved: an input task
 * that runs ahead (a restart with a backlog, uneven fetches) must not make the other tasks' records late.
 * A partition that sent nothing for {@code monitoring.source.idle.ms} no longer holds the watermark back; when
 * all are that quiet, event time follows the wall clock, so the last windows of a stream that stops still close.
 * Open windows live in memory and are written to a changelogged store once a second.
 */
public final class WindowAggregator implements Processor<String, Observation, WindowKey, WindowSample> {

    /** Header carrying the input partition an observation came from (4-byte big-endian int). */
    public static final String SOURCE_HEADER = "glimpse.monitoring.source";
    private static final int UNKNOWN_SOURCE = -1;

    private final MonitoringConfig config;
    private final String storeName;
    private final DriftListener listener;
    private final long size;
    private final long hop;
    private final long grace;
    private final long idleMs;
    private final int inputPartitions;
    private final Map<String, WindowSample> open = new HashMap<>();
    private final Set<String> dirty = new HashSet<>();
    private final Map<Integer, long[]> sources = new HashMap<>(); // partition -> {max event time, wall clock seen}
    private long watermark = Long.MIN_VALUE;
    private ProcessorContext<WindowKey, WindowSample> context;
    private KeyValueStore<String, WindowSample> store;

    /**
     * @param inputPartitions partitions of the input topics: until each has sent an observation (or been quiet for
     *                        the idle time), no window closes, so that the first task to start cannot close windows
     *                        the others still have records for
     */
    public WindowAggregator(MonitoringConfig config, String storeName, DriftListener listener, int inputPartitions) {
        this.config = config;
        this.inputPartitions = inputPartitions;
        this.storeName = storeName;
        this.listener = listener;
        this.size = config.windowSize().toMillis();
        this.hop = config.windowHop().toMillis();
        this.grace = config.windowGrace().toMillis();
        this.idleMs = config.sourceIdle().toMillis();
    }

    @Override
    public void init(ProcessorContext<WindowKey, WindowSample> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        try (KeyValueIterator<String, WindowSample> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, WindowSample> e = all.next();
                open.put(e.key, e.value);
            }
        }
        for (int p = 0; p < inputPartitions; p++) {
            sources.put(p, new long[] {Long.MIN_VALUE, Long.MIN_VALUE}); // not heard from; clock starts with the stream
        }
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<String, Observation> record) {
        Observation o = record.value();
        if (o == null || record.timestamp() < 0) {
            return;
        }
        long t = record.timestamp();
        long now = context.currentSystemTimeMs();
        // The partitions not heard from yet get the idle time from the stream's first record on, not from start-up:
        // the service may start long before the first prediction, and they must not be idle from the outset.
        for (long[] s : sources.values()) {
            if (s[1] == Long.MIN_VALUE) {
                s[1] = now;
            }
        }
        long[] source = sources.computeIfAbsent(sourceOf(record.headers()), k -> new long[] {Long.MIN_VALUE, now});
        source[0] = Math.max(source[0], t);
        source[1] = now;
        advanceWatermark(now);
        // Aligned to the epoch like Kafka's TimeWindows: every window [start, start + size) that contains t.
        for (long start = t - Math.floorMod(t, hop); start > t - size; start -= hop) {
            if (start < 0) {
                break;
            }
            if (start + size + grace <= watermark) {
                listener.onLateObservation(o);
                continue;
            }
            String key = storeKey(o.versionKey(), start);
            open.computeIfAbsent(key, k -> new WindowSample(config.sampleSize(), config.embeddingSampleSize(), config.seed()))
                    .add(o);
            dirty.add(key);
        }
        emitClosed();
    }

    private void tick(long wallClockMs) {
        advanceWatermark(wallClockMs);
        emitClosed();
        for (String key : dirty) {
            store.put(key, open.get(key));
        }
        dirty.clear();
    }

    private void advanceWatermark(long now) {
        long activeMin = Long.MAX_VALUE;
        long latest = Long.MIN_VALUE;
        long lastSeen = Long.MIN_VALUE;
        for (long[] s : sources.values()) {
            if (s[1] == Long.MIN_VALUE || now - s[1] < idleMs) {
                activeMin = Math.min(activeMin, s[0]); // a partition not heard from yet is at MIN_VALUE: holds all
            }
            if (s[0] != Long.MIN_VALUE) {
                latest = Math.max(latest, s[0]);
                lastSeen = Math.max(lastSeen, s[1]);
            }
        }
        if (latest == Long.MIN_VALUE) {
            return; // nothing seen yet
        }
        // Every partition quiet: the stream has stopped (or paused), so event time moves on with the wall clock.
        long candidate = activeMin != Long.MAX_VALUE ? activeMin : latest + (now - lastSeen);
        watermark = Math.max(watermark, candidate);
    }

    private void emitClosed() {
        List<WindowKey> closed = new ArrayList<>();
        for (String key : open.keySet()) {
            WindowKey w = windowOf(key);
            if (w.endMs() + grace <= watermark) {
                closed.add(w);
            }
        }
        closed.sort(Comparator.comparingLong(WindowKey::startMs).thenComparing(WindowKey::versionKey));
        for (WindowKey w : closed) {
            String key = storeKey(w.versionKey(), w.startMs());
            WindowSample sample = open.remove(key);
            dirty.remove(key);
            store.delete(key);
            context.forward(new Record<>(w, sample, w.endMs()));
        }
    }

    private String storeKey(String versionKey, long start) {
        return versionKey + "|" + start;
    }

    private WindowKey windowOf(String storeKey) {
        int bar = storeKey.lastIndexOf('|');
        long start = Long.parseLong(storeKey.substring(bar + 1));
        return new WindowKey(storeKey.substring(0, bar), start, start + size);
    }

    private static int sourceOf(Headers headers) {
        Header h = headers.lastHeader(SOURCE_HEADER);
        return h == null || h.value() == null || h.value().length != 4 ? UNKNOWN_SOURCE : ByteBuffer.wrap(h.value()).getInt();
    }

    /** The header value for an input partition. */
    public static byte[] sourceHeader(int partition) {
        return ByteBuffer.allocate(4).putInt(partition).array();
    }
}
