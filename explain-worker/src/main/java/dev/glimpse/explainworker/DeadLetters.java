package dev.glimpse.explainworker;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The worker's dead letters: stage {@code explain}, the reason counted as a failure, the source record when known. */
final class DeadLetters {

    private final ExplainMetrics metrics;

    DeadLetters(ExplainMetrics metrics) {
        this.metrics = metrics;
    }

    /** @param r the record that could not be processed, or null when the failure is not tied to one */
    DeadLetter of(String reason, String detail, ConsumerRecord<byte[], byte[]> r, String imageId) {
        DeadLetter.Builder b = DeadLetter.newBuilder().setReason(reason).setDetail(detail == null ? "" : detail)
                .setStage(ExplainMetrics.STAGE).setFailedAtMs(System.currentTimeMillis()).setImageId(imageId == null ? "" : imageId);
        if (r != null) {
            b.setSourceTopic(r.topic()).setSourcePartition(r.partition()).setSourceOffset(r.offset());
            if (r.key() != null) {
                b.setOriginalKey(ByteString.copyFrom(r.key()));
            }
            if (r.value() != null) {
                b.setOriginalValue(ByteString.copyFrom(r.value()));
            }
        }
        metrics.failure(reason);
        return b.build();
    }

    /** The record key of an image's events (null for none). */
    static byte[] key(String imageId) {
        return imageId == null || imageId.isEmpty() ? null : imageId.getBytes(StandardCharsets.UTF_8);
    }
}
