package dev.glimpse.platform.kafka.streams;

import dev.glimpse.platform.kafka.DeadLetterReason;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record on which a processor throws goes to the dead-letter topic with the source record's bytes and origin, and
 * the application goes on with the next record (the Streams thread is neither killed nor replaced, so the record
 * is not read again and again), as {@code processing-failed} with the processor and the exception in the detail.
 * Failures a topology expects (an image it cannot decode) it dead-letters itself with their own reason. Configured by {@link StreamsDeadLetters#install}.
 */
public final class DeadLetterAndContinueProcessingExceptionHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterAndContinueProcessingExceptionHandler.class);

    private StreamsDeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = StreamsDeadLetters.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String reason = DeadLetterReason.PROCESSING_FAILED.code();
        LOG.warn("{}: dead-lettering record {}-{}@{} ({}) that failed in {}: {}", deadLetters.stage(), context.topic(),
                context.partition(), context.offset(), reason, context.processorNodeId(), exception.toString());
        return Response.resume(deadLetters.of(context, reason, context.processorNodeId() + ": " + exception));
    }
}
