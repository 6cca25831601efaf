package dev.glimpse.launcher.demo;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.kafka.KafkaClients;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * Watches {@code predictions} and {@code deadletter} as a downstream read_committed reader, from the offsets they
 * had when it was created (so earlier runs on the same data directory do not count): predictions, accuracy over
 * labeled images, dead letters, and the end-to-end latency as a reader sees it (commit visible minus ingest time).
 */
public final class PredictionTally implements AutoCloseable {

    /** Latencies kept for percentiles: the most recent ones (all of them in a bounded run). */
    private static final int WINDOW = 200_000;

    private final TopicCatalog catalog;
    private final long[] latencies = new long[WINDOW];
    private long predictions;
    private long labeled;
    private long correct;
    private long deadLetters;
    private String model = "";
    private String device = "";
    /** per model version: {predictions, labeled, correct}, in order of first appearance */
    private final Map<String, long[]> byVersion = new java.util.LinkedHashMap<>();
    private final Predicate<String> ids;
    private final long startedMs;
    private final TopicFollower follower;

    public PredictionTally(KafkaClients clients, TopicCatalog catalog) {
        this(clients, catalog, -1, id -> true);
    }

    /**
     * Counts the records of one run: those written from {@code fromMs} on (-1 = from now) whose image id
     * {@code ids} accepts. Records written before this reader started (a run resumed after a crash) take their
     * latency from the record's timestamp, the moment the worker wrote it, instead of the moment they are read.
     */
    public PredictionTally(KafkaClients clients, TopicCatalog catalog, long fromMs, Predicate<String> ids) {
        this.catalog = catalog;
        this.ids = ids;
        this.startedMs = System.currentTimeMillis();
        List<String> topics = List.of(catalog.predictions().name(), catalog.deadletter().name());
        this.follower = new TopicFollower(clients, catalog.prefix() + "demo-tally", "demo-tally", Map.of(),
                consumer -> {
                    if (fromMs < 0) {
                        TopicTail.assignAtEnd(consumer, topics);
                    } else {
                        TopicTail.assignFrom(consumer, topics, fromMs);
                    }
                }, this::count);
    }

    private void count(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            long now = System.currentTimeMillis();
            if (r.topic().equals(catalog.predictions().name())) {
                Prediction p = catalog.predictions().deserializeValue(r.value());
                if (ids.test(p.getImageId())) {
                    record(p, r.timestamp() < startedMs ? r.timestamp() : now);
                }
            } else {
                DeadLetter d = catalog.deadletter().deserializeValue(r.value());
                synchronized (this) {
                    deadLetters += d != null && ids.test(d.getImageId()) ? 1 : 0;
                }
            }
        }
    }

    private synchronized void record(Prediction p, long now) {
        latencies[(int) (predictions % WINDOW)] = Math.max(0, now - p.getIngestedAtMs());
        predictions++;
        long[] v = byVersion.computeIfAbsent(p.getModelVersion(), k -> new long[3]);
        v[0]++;
        if (p.getLabel() >= 0 && p.getTopKCount() > 0) {
            labeled++;
            v[1]++;
            if (p.getTopK(0).getClassIndex() == p.getLabel()) {
                correct++;
                v[2]++;
            }
        }
        String version = p.getModelVersion();
        model = p.getModelName() + (version.startsWith("v") ? " " : " v") + version;
        device = p.getDevice();
    }

    /** Predictions and dead letters so far (cheaper than a {@link #snapshot()}). */
    public synchronized long done() {
        return predictions + deadLetters;
    }

    /** What has been seen so far. */
    public synchronized Snapshot snapshot() {
        int n = (int) Math.min(predictions, WINDOW);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        List<VersionCount> versions = new ArrayList<>();
        byVersion.forEach((k, v) -> versions.add(new VersionCount(k, v[0], v[1], v[2])));
        return new Snapshot(predictions, deadLetters, labeled, correct, percentile(sorted, 0.50),
                percentile(sorted, 0.99), model, device, List.copyOf(versions));
    }

    /** The nearest-rank percentile {@code q} of ascending {@code sorted} values, 0 when there are none. */
    public static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    @Override
    public void close() {
        follower.close();
    }

    /** Predictions answered by one model version and its accuracy over the labeled ones. */
    public record VersionCount(String version, long predictions, long labeled, long correct) {
        public double accuracy() {
            return labeled == 0 ? Double.NaN : correct / (double) labeled;
        }
    }

    /** Counts and latency percentiles (milliseconds) at one moment. */
    public record Snapshot(long predictions, long deadLetters, long labeled, long correct, long p50Ms, long p99Ms,
                           String model, String device, List<VersionCount> versions) {

        /** Accuracy over labeled predictions, NaN when none was labeled. */
        public double accuracy() {
            return labeled == 0 ? Double.NaN : correct / (double) labeled;
        }
    }
}
