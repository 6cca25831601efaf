package dev.glimpse.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The open transaction: it may span several batches. It commits as soon as no further batch is imminent (the
 * worker has caught up with the stream: low latency under light load) or when {@code commitInterval} has passed
 * since it began (under a backlog, so that the commit cost is shared by many batches). While it is open the
 * commit lock is held, so a rebalance waits for its commit. What it sent is counted only once it committed.
 */
final class OpenTransaction {

    /** A prediction sent: how long its image waited for its batch, and when it was ingested. */
    record SentPrediction(long queueMs, long ingestedAtMs) {
    }

    /** A batch whose predictions were sent: its size and how long ONNX Runtime took on it. */
    record SentBatch(int size, long inferenceNanos) {
    }

    final long deadlineNanos;
    final Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    final List<SentPrediction> predicted = new ArrayList<>();
    final List<String> deadLettered = new ArrayList<>();
    final List<SentBatch> batches = new ArrayList<>();
    ConsumerGroupMetadata group;
    boolean begun;
    int records;

    OpenTransaction(Duration commitInterval) {
        this.deadlineNanos = System.nanoTime() + commitInterval.toNanos();
    }

    /** Counts what the transaction contained, once it committed. */
    void reportCommitted(InferenceMetrics metrics, long committedAtMs) {
        for (SentBatch b : batches) {
            metrics.batch(b.size(), b.inferenceNanos());
        }
        for (SentPrediction p : predicted) {
            metrics.predicted(p.queueMs(), committedAtMs - p.ingestedAtMs());
        }
        for (String reason : deadLettered) {
            metrics.deadLettered(reason);
        }
    }
}
