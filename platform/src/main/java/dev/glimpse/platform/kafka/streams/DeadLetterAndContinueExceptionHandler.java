package dev.glimpse.platform.kafka.streams;

import dev.glimpse.platform.kafka.DeadLetterReason;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record that cannot be deserialized (bytes on a topic that are not the expected protobuf event) goes to the
 * dead-letter topic as {@code malformed-event} with its bytes and origin, and the application goes on with the
 * next record. Configured by {@link StreamsDeadLetters#install}.
 */
public final class DeadLetterAndContinueExceptionHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterAndContinueExceptionHandler.class);

    private StreamsDeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = StreamsDeadLetters.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        LOG.debug("{}: dead-lettering undeserializable record {}-{}@{}: {}", deadLetters.stage(), context.topic(),
                context.partition(), context.offset(), exception.toString());
        return Response.resume(deadLetters.of(context, DeadLetterReason.MALFORMED_EVENT.code(),
                "not a valid event on " + context.topic() + ": " + exception.getMessage()));
    }
}
