package dev.glimpse.monitoring.internal;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.monitoring.drift.ImageStatistics;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.PreprocessingException;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * An image reduced to its brightness and contrast, or the dead letter of an image that cannot be measured (over the
 * limits, undecodable): exactly one is set.
 */
public record ImageMeasurement(double[] statistics, DeadLetter deadLetter) {

    /** The stage named in monitoring's dead letters. */
    public static final String STAGE = "monitoring";

    /** Measures each image within the limits; a refused one becomes a dead letter naming the source record. */
    public static final class Measurer extends ContextualFixedKeyProcessor<String, ImageEvent, ImageMeasurement> {
        private final ImageLimits limits;

        public Measurer(ImageLimits limits) {
            this.limits = limits;
        }

        @Override
        public void process(FixedKeyRecord<String, ImageEvent> record) {
            ImageEvent image = record.value();
            if (image == null) {
                return; // a tombstone: nothing to measure, nothing lost
            }
            try {
                ImageStatistics s = ImageStatistics.ofEncoded(image.getData().toByteArray(), limits);
                context().forward(record.withValue(new ImageMeasurement(new double[] {s.brightness(), s.contrast()}, null)));
            } catch (PreprocessingException e) {
                context().forward(record.withValue(new ImageMeasurement(null, deadLetter(record, image, e))));
            }
        }

        private DeadLetter deadLetter(FixedKeyRecord<String, ImageEvent> record, ImageEvent image, PreprocessingException e) {
            String id = !image.getImageId().isEmpty() ? image.getImageId() : record.key() == null ? "" : record.key();
            // the image bytes are not copied: the reason and the source offset say what was refused
            DeadLetter.Builder b = DeadLetter.newBuilder().setReason(e.reason())
                    .setDetail("image statistics: " + e.getMessage()).setStage(STAGE).setImageId(id)
                    .setOriginalSize(image.getSerializedSize()).setOriginalTruncated(true)
                    .setFailedAtMs(System.currentTimeMillis());
            if (record.key() != null) {
                b.setOriginalKey(ByteString.copyFromUtf8(record.key()));
            }
            context().recordMetadata().ifPresent((RecordMetadata m) -> b.setSourceTopic(m.topic())
                    .setSourcePartition(m.partition()).setSourceOffset(m.offset()));
            return b.build();
        }
    }
}
