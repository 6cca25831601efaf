package dev.glimpse.inference;

import dev.glimpse.contracts.events.ImageEvent;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed record waiting for its batch: where it came from, its bytes, and either the preprocessed input or
 * the reason it cannot be classified. {@code epoch} and {@code group} tie it to the consumer state it was read
 * under: records read before a rewind or a rebalance are dropped, and offsets are committed with the group
 * generation they were read in (which fences a worker that lost its partitions).
 */
record PendingImage(TopicPartition partition, long offset, byte[] key, byte[] value, ImageEvent event,
                    float[] input, String failureReason, String failureDetail, long polledAtMs, long epoch,
                    ConsumerGroupMetadata group) {

    boolean failed() {
        return failureReason != null;
    }
}
