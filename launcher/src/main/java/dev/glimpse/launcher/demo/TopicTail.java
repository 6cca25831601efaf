package dev.glimpse.launcher.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Points a group-less consumer at the current end of every partition of some topics (readers that count a run). */
public final class TopicTail {

    private TopicTail() {
    }

    /**
     * Assigns every partition of {@code topics} and resolves the end positions now, so only records written from
     * here on are read (a lazy position would be resolved at the first poll, after records the run already wrote).
     */
    public static void assignAtEnd(Consumer<?, ?> consumer, List<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /**
     * Assigns every partition of {@code topics} at the first record written at or after {@code timestampMs} (the
     * end where there is none): a run resumed after a crash is counted from its first start.
     */
    public static void assignFrom(Consumer<?, ?> consumer, List<String> topics, long timestampMs) {
        Map<TopicPartition, Long> times = new HashMap<>();
        for (String topic : topics) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                times.put(new TopicPartition(topic, p.partition()), timestampMs);
            }
        }
        consumer.assign(times.keySet());
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(times.keySet(), Duration.ofSeconds(30));
        offsets.forEach((tp, o) -> consumer.seek(tp, o == null ? end.get(tp) : o.offset()));
    }
}
