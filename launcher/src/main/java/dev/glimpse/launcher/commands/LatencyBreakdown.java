package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Timings;
import dev.glimpse.launcher.demo.PredictionTally;
import dev.glimpse.launcher.demo.TopicFollower;
import dev.glimpse.launcher.demo.TopicTail;
import dev.glimpse.platform.kafka.KafkaClients;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * A read_committed reader of {@code predictions} from its current end that splits each prediction's latency (ingest
 * timestamp → visible to this reader) into the stages the prediction's own {@link Timings} record: until its batch
 * started on ONNX Runtime (producer, broker, fetch, decode, waiting for a batch), the batch's ONNX Runtime call, until
 * the worker sent it into its transaction, and from there until a reader sees it (the transaction's remaining batches,
 * the commit, the reader's fetch).
 */
final class LatencyBreakdown implements AutoCloseable {

    /** One prediction's stages, in ms; all on this host's wall clock. */
    record Stages(long ingestedAtMs, long toBatchStart, long inference, long toSent, long toVisible, int batchSize) {
        long total() {
            return toBatchStart + inference + toSent + toVisible;
        }
    }

    private final TopicCatalog catalog;
    private final List<Stages> seen = new ArrayList<>();
    private final List<Stages> leadIn = new ArrayList<>();
    private final String leadInPrefix;
    private final TopicFollower follower;

    /** @param leadInPrefix image ids starting so are the lead-in: kept apart from the figures ({@link #leadIn}) */
    LatencyBreakdown(KafkaClients clients, TopicCatalog catalog, String leadInPrefix) {
        this.catalog = catalog;
        this.leadInPrefix = leadInPrefix;
        follower = new TopicFollower(clients, "bench-latency-reader", "bench-latency-reader", Map.of(),
                consumer -> TopicTail.assignAtEnd(consumer, List.of(catalog.predictions().name())), this::take);
    }

    private void take(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            long now = System.currentTimeMillis();
            Prediction p = catalog.predictions().deserializeValue(r.value());
            if (p != null) {
                add(of(p, now), p.getImageId().startsWith(leadInPrefix));
            }
        }
    }

    static Stages of(Prediction p, long visibleAtMs) {
        Timings t = p.getTimings();
        long ingested = p.getIngestedAtMs();
        long sent = ingested + t.getEndToEndMs();
        long batchStart = ingested + t.getQueueMs();
        long inferenceEnd = batchStart + t.getInferenceMs();
        return new Stages(ingested, t.getQueueMs(), t.getInferenceMs(), Math.max(0, sent - inferenceEnd),
                Math.max(0, visibleAtMs - sent), t.getBatchSize());
    }

    private synchronized void add(Stages s, boolean lead) {
        (lead ? leadIn : seen).add(s);
    }

    synchronized List<Stages> leadIn() {
        return List.copyOf(leadIn);
    }

    synchronized int count() {
        return seen.size();
    }

    synchronized List<Stages> stages() {
        return List.copyOf(seen);
    }

    /** Percentile {@code q} of one stage over {@code stages} (nearest rank). */
    static long percentile(List<Stages> stages, ToLongFunction<Stages> stage, double q) {
        long[] v = stages.stream().mapToLong(stage).toArray();
        Arrays.sort(v);
        return PredictionTally.percentile(v, q);
    }

    /** The lines the bench prints: each stage's p50 and p99, the batch sizes, and the p50 per second of the run. */
    static List<String> report(List<Stages> stages) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  latency by stage, p50 / p99 ms: ingest -> batch start %d / %d (producer, "
                        + "broker, fetch, decode, batch forming); ONNX Runtime call %d / %d; -> sent in the transaction "
                        + "%d / %d; -> visible to a read_committed reader %d / %d (rest of the transaction, commit, fetch)",
                percentile(stages, Stages::toBatchStart, 0.5), percentile(stages, Stages::toBatchStart, 0.99),
                percentile(stages, Stages::inference, 0.5), percentile(stages, Stages::inference, 0.99),
                percentile(stages, Stages::toSent, 0.5), percentile(stages, Stages::toSent, 0.99),
                percentile(stages, Stages::toVisible, 0.5), percentile(stages, Stages::toVisible, 0.99)));
        lines.add(String.format(Locale.ROOT, "  batch size seen by the predictions: mean %.1f, max %d",
                stages.stream().mapToInt(Stages::batchSize).average().orElse(0),
                stages.stream().mapToInt(Stages::batchSize).max().orElse(0)));
        if (!stages.isEmpty()) {
            long first = stages.stream().mapToLong(Stages::ingestedAtMs).min().orElseThrow();
            StringBuilder perSecond = new StringBuilder("  p50 latency by second of ingest (ms):");
            for (int s = 0; ; s++) {
                long from = first + s * 1000L;
                List<Stages> in = stages.stream()
                        .filter(x -> x.ingestedAtMs() >= from && x.ingestedAtMs() < from + 1000).toList();
                if (in.isEmpty()) {
                    break;
                }
                perSecond.append(' ').append(percentile(in, Stages::total, 0.5));
            }
            lines.add(perSecond.toString());
        }
        return lines;
    }

    @Override
    public void close() {
        follower.close();
    }
}
