package dev.glimpse.platform.kafka.streams;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * The dead letters a Kafka Streams application's exception handlers write ({@link
 * DeadLetterAndContinueExceptionHandler}, {@link DeadLetterAndContinueProcessingExceptionHandler}): where they go,
 * the stage they name and the counter they increment travel in the Streams properties ({@link #install}).
 */
public final class StreamsDeadLetters {

    /** Streams property: the dead-letter topic's name. */
    public static final String TOPIC_CONFIG = "glimpse.deadletter.topic";
    /** Streams property: the stage named in each dead letter. */
    public static final String STAGE_CONFIG = "glimpse.deadletter.stage";
    /** Streams property: the {@link MeterRegistry} counting dead letters (optional). */
    public static final String REGISTRY_CONFIG = "glimpse.deadletter.registry";

    private final String topic;
    private final String stage;
    private final MeterRegistry registry;

    private StreamsDeadLetters(String topic, String stage, MeterRegistry registry) {
        this.topic = topic;
        this.stage = stage;
        this.registry = registry;
    }

    /** Installs both handlers in {@code props}, writing dead letters of {@code stage} to {@code topic}. */
    public static void install(Properties props, String topic, String stage, MeterRegistry registry) {
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterAndContinueExceptionHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterAndContinueProcessingExceptionHandler.class);
        props.put(TOPIC_CONFIG, topic);
        props.put(STAGE_CONFIG, stage);
        if (registry != null) {
            props.put(REGISTRY_CONFIG, registry);
        }
    }

    static StreamsDeadLetters from(Map<String, ?> configs) {
        Object topic = configs.get(TOPIC_CONFIG);
        Object stage = configs.get(STAGE_CONFIG);
        if (topic == null || stage == null) {
            throw new IllegalArgumentException("the dead-letter handlers need " + TOPIC_CONFIG + " and " + STAGE_CONFIG
                    + " in the Streams properties (StreamsDeadLetters.install)");
        }
        Object registry = configs.get(REGISTRY_CONFIG);
        return new StreamsDeadLetters(topic.toString(), stage.toString(),
                registry instanceof MeterRegistry r ? r : null);
    }

    String stage() {
        return stage;
    }

    /** The dead letter of the record the handler was called for, as the one record to write, and counts it. */
    List<ProducerRecord<byte[], byte[]>> of(ErrorHandlerContext context, String reason, String detail) {
        byte[] key = context.sourceRawKey();
        byte[] value = context.sourceRawValue() == null ? new byte[0] : context.sourceRawValue();
        boolean cut = value.length > DeadLetterPublisher.DEFAULT_MAX_ORIGINAL_BYTES;
        DeadLetter.Builder letter = DeadLetter.newBuilder()
                .setReason(reason)
                .setDetail(detail == null ? "" : detail)
                .setStage(stage)
                .setSourceTopic(context.topic() == null ? "" : context.topic())
                .setSourcePartition(context.partition())
                .setSourceOffset(context.offset())
                .setOriginalValue(ByteString.copyFrom(cut ? Arrays.copyOf(value, DeadLetterPublisher.DEFAULT_MAX_ORIGINAL_BYTES) : value))
                .setOriginalSize(value.length)
                .setOriginalTruncated(cut)
                .setFailedAtMs(System.currentTimeMillis());
        if (key != null) {
            letter.setOriginalKey(ByteString.copyFrom(key));
            letter.setImageId(new String(key, StandardCharsets.UTF_8));
        }
        if (registry != null) {
            DeadLetterPublisher.counter(registry, stage, reason).increment();
        }
        return List.of(new ProducerRecord<>(topic, key, letter.build().toByteArray()));
    }
}
