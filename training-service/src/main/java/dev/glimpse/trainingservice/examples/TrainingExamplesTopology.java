package dev.glimpse.trainingservice.examples;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.contracts.events.TrainingExample;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.PreprocessingException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Joins every label with its image (same key = image id) into a {@link TrainingExample} on the training-examples
 * topic, marked train or holdout (image attribute {@value #SPLIT_ATTRIBUTE}) by a stable hash of the image id. A label that is malformed, out of
 * {@code [0, numClasses)}, keyed by another id than its image id, or whose image is not seen within the retention
 * window (+ grace, in event time) goes to the dead-letter topic with a reason.
 *
 * <p>The join is a windowed stream-stream left join: images are kept for {@code retention} in a window store, so
 * a label may arrive up to that long after its image (or before it, e.g. when ingest writes both at once).
 * Per-class example counts are exported as {@code glimpse_training_examples_total{class,split}}.
 */
public final class TrainingExamplesTopology {

    public static final String JOIN_STORE = "training-labels-images";
    public static final String STAGE = "training";
    /** Image attribute carrying the split of a training example. */
    public static final String SPLIT_ATTRIBUTE = "glimpse.split";
    public static final String TRAIN = "train";
    public static final String HOLDOUT = "holdout";

    private TrainingExamplesTopology() {
    }

    /** A label after validation: exactly one of the two is set. */
    record CheckedLabel(Label label, DeadLetter dead) {
    }

    /** An image after validation: exactly one of the two is set. */
    record CheckedImage(ImageEvent image, DeadLetter dead) {
    }

    /** A label with its image, or without one (left join found none within the window). */
    record LabeledImage(Label label, ImageEvent image) {
    }

    /** An example or a dead letter: exactly one is set. */
    record Outcome(TrainingExample example, DeadLetter dead) {
    }

    public static void create(StreamsBuilder builder, TrainingExamplesConfig config, MeterRegistry registry) {
        Serde<String> keys = Serdes.String();
        Serde<Label> labelSerde = TopicCatalog.LABEL;
        Serde<ImageEvent> imageSerde = TopicCatalog.IMAGE_EVENT;
        Serde<DeadLetter> deadSerde = TopicCatalog.DEAD_LETTER;
        Serde<TrainingExample> exampleSerde = TopicCatalog.TRAINING_EXAMPLE;
        HoldoutSplit split = new HoldoutSplit(config.holdoutFraction());

        KStream<String, CheckedLabel> checked = builder
                .stream(config.labelsTopic(), Consumed.with(keys, Serdes.ByteArray()).withName("labels-source"))
                .processValues(() -> new LabelValidator(config.numClasses()), Named.as("validate-labels"));
        Map<String, KStream<String, CheckedLabel>> labelBranches = checked.split(Named.as("label-"))
                .branch((k, v) -> v.dead() != null, Branched.as("bad"))
                .defaultBranch(Branched.as("ok"));
        labelBranches.get("label-bad").mapValues(CheckedLabel::dead, Named.as("bad-label-dead-letter"))
                .peek((k, v) -> countDeadLetter(registry, v.getReason()))
                .to(config.deadletterTopic(), Produced.with(keys, deadSerde).withName("bad-labels-sink"));
        KStream<String, Label> labels = labelBranches.get("label-ok").mapValues(CheckedLabel::label);

        Map<String, KStream<String, CheckedImage>> imageBranches = builder
                .stream(config.imagesTopic(), Consumed.with(keys, Serdes.ByteArray()).withName("images-source"))
                .processValues(() -> new ImageValidator(config.imageLimits()), Named.as("validate-images"))
                .split(Named.as("image-"))
                .branch((k, v) -> v.dead() != null, Branched.as("bad"))
                .defaultBranch(Branched.as("ok"));
        imageBranches.get("image-bad").mapValues(CheckedImage::dead, Named.as("bad-image-dead-letter"))
                .peek((k, v) -> countDeadLetter(registry, v.getReason()))
                .to(config.deadletterTopic(), Produced.with(keys, deadSerde).withName("bad-images-sink"));
        KStream<String, ImageEvent> images = imageBranches.get("image-ok").mapValues(CheckedImage::image);

        KStream<String, LabeledImage> joined = labels.leftJoin(images, LabeledImage::new,
                JoinWindows.ofTimeDifferenceAndGrace(config.retention(), config.grace()),
                StreamJoined.with(keys, labelSerde, imageSerde).withStoreName(JOIN_STORE).withName("label-image-join"));

        Map<String, KStream<String, Outcome>> outcomes = joined
                .mapValues((id, li) -> toOutcome(id, li, split, config), Named.as("to-example"))
                .split(Named.as("outcome-"))
                .branch((k, v) -> v.dead() != null, Branched.as("dead"))
                .defaultBranch(Branched.as("example"));
        outcomes.get("outcome-dead").mapValues(Outcome::dead)
                .peek((k, v) -> countDeadLetter(registry, v.getReason()))
                .to(config.deadletterTopic(), Produced.with(keys, deadSerde).withName("orphan-labels-sink"));
        outcomes.get("outcome-example").mapValues(Outcome::example)
                .peek((k, v) -> registry.counter("glimpse.training.examples", "class",
                        Integer.toString(v.getLabel().getLabel()), "split", splitOf(v)).increment())
                .to(config.examplesTopic(), Produced.with(keys, exampleSerde).withName("examples-sink"));
    }

    private static Outcome toOutcome(String id, LabeledImage li, HoldoutSplit split, TrainingExamplesConfig config) {
        Label label = li.label();
        if (li.image() == null) {
            return new Outcome(null, DeadLetter.newBuilder()
                    .setReason("unknown-image")
                    .setDetail("no image with id '" + id + "' seen within the label retention of "
                            + config.retention() + " (+ grace " + config.grace() + ")")
                    .setStage(STAGE)
                    .setSourceTopic(config.labelsTopic())
                    .setImageId(id == null ? "" : id)
                    .setOriginalKey(ByteString.copyFromUtf8(id == null ? "" : id))
                    .setOriginalValue(label.toByteString())
                    .setFailedAtMs(System.currentTimeMillis())
                    .build());
        }
        // the split travels with the example (consumers may also recompute it from the id: it is a pure function)
        ImageEvent image = li.image().toBuilder()
                .putAttributes(SPLIT_ATTRIBUTE, split.isHoldout(id) ? HOLDOUT : TRAIN).build();
        return new Outcome(TrainingExample.newBuilder()
                .setImageId(id)
                .setImage(image)
                .setLabel(label)
                .setJoinedAtMs(System.currentTimeMillis())
                .build(), null);
    }

    /** {@code holdout} or {@code train}, as set by this topology. */
    public static String splitOf(TrainingExample example) {
        return example.getImage().getAttributesOrDefault(SPLIT_ATTRIBUTE, TRAIN);
    }

    private static void countDeadLetter(MeterRegistry registry, String reason) {
        DeadLetterPublisher.counter(registry, STAGE, reason).increment();
    }

    /**
     * Parses an image event and checks its header against the image limits without decoding a pixel: what cannot be
     * a training example (garbage, a decompression bomb, bytes no reader recognises) becomes a dead letter naming the
     * source record instead of waiting in the join store for a label.
     */
    static final class ImageValidator extends ContextualFixedKeyProcessor<String, byte[], CheckedImage> {
        private final ImageLimits limits;

        ImageValidator(ImageLimits limits) {
            this.limits = limits;
        }

        @Override
        public void process(FixedKeyRecord<String, byte[]> record) {
            byte[] value = record.value();
            if (value == null) {
                return; // a tombstone: no image, nothing lost
            }
            ImageEvent image;
            try {
                image = ImageEvent.parseFrom(value);
            } catch (InvalidProtocolBufferException e) {
                forward(record, null, dead(record, "malformed-event", "not an ImageEvent protobuf: " + e.getMessage(), ""));
                return;
            }
            try {
                DecodedImage.header(image.getData().toByteArray(), limits);
            } catch (PreprocessingException e) {
                forward(record, null, dead(record, e.reason(), "image " + image.getImageId() + ": " + e.getMessage(),
                        image.getImageId()));
                return;
            }
            forward(record, image, null);
        }

        private void forward(FixedKeyRecord<String, byte[]> record, ImageEvent image, DeadLetter dead) {
            context().forward(record.withValue(new CheckedImage(image, dead)));
        }

        private DeadLetter dead(FixedKeyRecord<String, byte[]> record, String reason, String detail, String imageId) {
            return deadLetter(record, context().recordMetadata().orElse(null), reason, detail, imageId);
        }
    }

    /** A dead letter of the training stage for a consumed record, with its bytes (cut to 1 MiB) and origin. */
    static DeadLetter deadLetter(FixedKeyRecord<String, byte[]> record, RecordMetadata source, String reason,
                                 String detail, String imageId) {
        DeadLetter.Builder b = DeadLetter.newBuilder().setReason(reason).setDetail(detail).setStage(STAGE)
                .setImageId(imageId == null || imageId.isEmpty() ? (record.key() == null ? "" : record.key()) : imageId)
                .setFailedAtMs(System.currentTimeMillis());
        if (record.key() != null) {
            b.setOriginalKey(ByteString.copyFromUtf8(record.key()));
        }
        if (record.value() != null) {
            byte[] v = record.value();
            boolean cut = v.length > DeadLetterPublisher.DEFAULT_MAX_ORIGINAL_BYTES;
            b.setOriginalValue(ByteString.copyFrom(v, 0, cut ? DeadLetterPublisher.DEFAULT_MAX_ORIGINAL_BYTES : v.length))
                    .setOriginalSize(v.length).setOriginalTruncated(cut);
        }
        if (source != null) {
            b.setSourceTopic(source.topic()).setSourcePartition(source.partition()).setSourceOffset(source.offset());
        }
        return b.build();
    }

    /** Parses and range-checks a label; anything wrong becomes a dead letter naming the source record. */
    static final class LabelValidator extends ContextualFixedKeyProcessor<String, byte[], CheckedLabel> {
        private final int numClasses;

        LabelValidator(int numClasses) {
            this.numClasses = numClasses;
        }

        @Override
        public void process(FixedKeyRecord<String, byte[]> record) {
            String key = record.key();
            byte[] value = record.value();
            Label label;
            try {
                label = value == null ? null : Label.parseFrom(value);
            } catch (InvalidProtocolBufferException e) {
                forward(record, null, dead(record, "malformed-event", "not a Label protobuf: " + e.getMessage(), ""));
                return;
            }
            if (label == null) {
                forward(record, null, dead(record, "malformed-event", "empty label record (tombstone)", ""));
            } else if (label.getLabel() < 0 || label.getLabel() >= numClasses) {
                forward(record, null, dead(record, "bad-label", "label " + label.getLabel()
                        + " out of range [0, " + numClasses + ")", label.getImageId()));
            } else if (key == null || !key.equals(label.getImageId())) {
                forward(record, null, dead(record, "bad-label", "record key '" + key
                        + "' differs from the label's image id '" + label.getImageId() + "'", label.getImageId()));
            } else {
                forward(record, label, null);
            }
        }

        private void forward(FixedKeyRecord<String, byte[]> record, Label label, DeadLetter dead) {
            context().forward(record.withValue(new CheckedLabel(label, dead)));
        }

        private DeadLetter dead(FixedKeyRecord<String, byte[]> record, String reason, String detail, String imageId) {
            return deadLetter(record, context().recordMetadata().orElse(null), reason, detail, imageId);
        }
    }
}
