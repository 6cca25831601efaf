package dev.glimpse.ingest;

import dev.glimpse.ingest.validation.ImageInfo;
import dev.glimpse.platform.kafka.DeadLetterReason;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/** What happened to a submission: published to {@code images}, or sent to {@code deadletter} with a reason. */
public sealed interface IngestOutcome {

    String imageId();

    /** The send of the image (or of the dead letter); {@link #await()} waits for the broker's acknowledgement. */
    Future<RecordMetadata> send();

    default RecordMetadata await() {
        try {
            return send().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka did not accept the record: " + e.getCause().getMessage(), e.getCause());
        }
    }

    record Accepted(String imageId, ImageInfo info, Future<RecordMetadata> send) implements IngestOutcome {
    }

    record Rejected(String imageId, DeadLetterReason reason, String detail, Future<RecordMetadata> send)
            implements IngestOutcome {
    }
}
