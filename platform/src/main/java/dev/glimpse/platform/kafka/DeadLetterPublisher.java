package dev.glimpse.platform.kafka;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.events.DeadLetter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what a stage cannot process to the {@code deadletter} topic with a machine-readable reason, a
 * human-readable detail and the original bytes (cut to {@code maxOriginalBytes}, with the full size recorded),
 * and counts it in {@code glimpse_deadletter_total{stage,reason}}.
 * With a transactional producer, call it inside the open transaction: the dead letter commits with the offsets.
 */
public final class DeadLetterPublisher {

    public static final String COUNTER = "glimpse.deadletter";
    public static final int DEFAULT_MAX_ORIGINAL_BYTES = 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final Topic<String, DeadLetter> topic;
    private final MeterRegistry registry;
    private final String stage;
    private final int maxOriginalBytes;
    private final Clock clock;

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, Topic<String, DeadLetter> topic,
                               MeterRegistry registry, String stage) {
        this(producer, topic, registry, stage, DEFAULT_MAX_ORIGINAL_BYTES, Clock.systemUTC());
    }

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, Topic<String, DeadLetter> topic,
                               MeterRegistry registry, String stage, int maxOriginalBytes, Clock clock) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stage = Objects.requireNonNull(stage, "stage");
        if (maxOriginalBytes < 0) {
            throw new IllegalArgumentException("maxOriginalBytes must be >= 0, got " + maxOriginalBytes);
        }
        this.maxOriginalBytes = maxOriginalBytes;
        this.clock = clock;
    }

    public String stage() {
        return stage;
    }

    /** Dead-letters bytes that never were a record (e.g. an HTTP upload). */
    public Future<RecordMetadata> publish(DeadLetterReason reason, String detail, String imageId, byte[] original) {
        return publish(reason.code(), detail, imageId, original);
    }

    public Future<RecordMetadata> publish(String reason, String detail, String imageId, byte[] original) {
        return send(build(reason, detail, imageId, original).build());
    }

    /** Dead-letters a consumed record, keeping where it came from. */
    public Future<RecordMetadata> publish(DeadLetterReason reason, String detail, String imageId,
                                          ConsumerRecord<byte[], byte[]> source) {
        return publish(reason.code(), detail, imageId, source);
    }

    /** Dead-letters a consumed record with a reason code (e.g. a decoder's), keeping where it came from. */
    public Future<RecordMetadata> publish(String reason, String detail, String imageId,
                                          ConsumerRecord<byte[], byte[]> source) {
        DeadLetter.Builder letter = build(reason, detail, imageId, source.value())
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset());
        if (source.key() != null) {
            letter.setOriginalKey(ByteString.copyFrom(source.key()));
        }
        return send(letter.build());
    }

    /** The dead letter without sending it (for callers that send through their own producer). */
    public DeadLetter.Builder build(String reason, String detail, String imageId, byte[] original) {
        Objects.requireNonNull(reason, "reason");
        byte[] value = original == null ? new byte[0] : original;
        boolean cut = value.length > maxOriginalBytes;
        return DeadLetter.newBuilder()
                .setReason(reason)
                .setDetail(detail == null ? "" : detail)
                .setStage(stage)
                .setImageId(imageId == null ? "" : imageId)
                .setOriginalValue(ByteString.copyFrom(cut ? Arrays.copyOf(value, maxOriginalBytes) : value))
                .setOriginalSize(value.length)
                .setOriginalTruncated(cut)
                .setFailedAtMs(clock.millis());
    }

    private Future<RecordMetadata> send(DeadLetter letter) {
        counter(letter.getReason()).increment();
        log.debug("dead letter {} from {}: {}", letter.getReason(), stage, letter.getDetail());
        String key = letter.getImageId().isEmpty() ? null : letter.getImageId();
        return producer.send(new ProducerRecord<>(topic.name(), key == null ? null : topic.serializeKey(key),
                topic.serializeValue(letter)));
    }

    /**
     * Counts a dead letter that its caller built with {@link #build} and sent through its own (transactional)
     * producer; call it once the transaction has committed.
     */
    public void countSent(String reason) {
        counter(reason).increment();
    }

    /**
     * The one dead-letter counter, {@code glimpse_deadletter_total{stage,reason}}, for a stage that sends its
     * dead letters without a publisher (a Kafka Streams sink, a worker's own transactional producer).
     */
    public static Counter counter(MeterRegistry registry, String stage, String reason) {
        return Counter.builder(COUNTER).description("Events sent to the dead-letter topic")
                .tag("stage", stage).tag("reason", reason).register(registry);
    }

    private Counter counter(String reason) {
        return counter(registry, stage, reason);
    }
}
