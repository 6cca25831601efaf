package dev.glimpse.inference;

import dev.glimpse.contracts.events.ImageEvent;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed record waiting for its batch: where it came from, its bytes, and (once {@link ImageDecoder} has
 * parsed and preprocessed it, possibly on another thread) either the model input or the reason it cannot be
 * classified. {@code epoch} and {@code group} tie it to the consumer state it was read under: records read before a
 * rewind or a rebalance are dropped, and offsets are committed with the group generation they were read in (which
 * fences a worker that lost its partitions).
 * <p>
 * Identity equality on purpose: a batch maps each image to its outcome, and hashing the event's bytes would cost.
 */
final class PendingImage {

    private final TopicPartition partition;
    private final long offset;
    private final byte[] key;
    private final byte[] value;
    private final long polledAtMs;
    private final long epoch;
    private final ConsumerGroupMetadata group;
    private final CountDownLatch decoded = new CountDownLatch(1);
    // written once by the decoding thread before the latch opens; read after awaiting it (happens-before)
    private ImageEvent event;
    private float[] input;
    private String failureReason;
    private String failureDetail;

    PendingImage(TopicPartition partition, long offset, byte[] key, byte[] value, long polledAtMs, long epoch,
                 ConsumerGroupMetadata group) {
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
        this.polledAtMs = polledAtMs;
        this.epoch = epoch;
        this.group = group;
    }

    /** Decoding succeeded: the parsed event and its preprocessed input. */
    void decoded(ImageEvent event, float[] input) {
        this.event = event;
        this.input = input;
        decoded.countDown();
    }

    /** Decoding failed: the event when it could be parsed (may be null), and a machine-readable reason. */
    void failed(ImageEvent event, String reason, String detail) {
        this.event = event;
        this.failureReason = reason;
        this.failureDetail = detail;
        decoded.countDown();
    }

    /** Blocks until the decoder has answered this image. */
    void awaitDecoded() throws InterruptedException {
        decoded.await();
    }

    TopicPartition partition() {
        return partition;
    }

    long offset() {
        return offset;
    }

    byte[] key() {
        return key;
    }

    byte[] value() {
        return value;
    }

    long polledAtMs() {
        return polledAtMs;
    }

    long epoch() {
        return epoch;
    }

    ConsumerGroupMetadata group() {
        return group;
    }

    /** The parsed event, or null when the record was not an ImageEvent. Only after {@link #awaitDecoded()}. */
    ImageEvent event() {
        return event;
    }

    /** The preprocessed model input, or null when {@link #failed()}. Only after {@link #awaitDecoded()}. */
    float[] input() {
        return input;
    }

    boolean failed() {
        return failureReason != null;
    }

    String failureReason() {
        return failureReason;
    }

    String failureDetail() {
        return failureDetail;
    }
}
