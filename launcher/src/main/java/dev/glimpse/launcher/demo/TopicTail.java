package dev.glimpse.launcher.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
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
}
