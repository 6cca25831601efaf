package dev.glimpse.ingest.source;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.events.IngestPosition;
import dev.glimpse.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the compacted {@code ingest-state} topic: the latest committed position of each resumable source
 * (read_committed, so a position whose transaction was aborted by a crash is never seen).
 */
public final class SourcePositions {

    private SourcePositions() {
    }

    /** The latest position of every source whose key matches, read to the topic's current end. */
    public static Map<String, IngestPosition> read(KafkaClients clients, Topic<String, IngestPosition> topic,
                                                   Predicate<String> sources, Duration timeout) {
        Map<String, IngestPosition> latest = new HashMap<>();
        try (Consumer<String, IngestPosition> consumer = clients.consumer(null, "glimpse-ingest-state-reader", topic)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // read_committed: the end offsets are the last stable offsets, after which nothing is visible yet
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read topic '" + topic.name() + "' to its end within " + timeout);
                }
                for (ConsumerRecord<String, IngestPosition> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.key() != null && sources.test(r.key())) {
                        if (r.value() == null) {
                            latest.remove(r.key());
                        } else {
                            latest.put(r.key(), r.value());
                        }
                    }
                }
            }
        }
        return latest;
    }
}
