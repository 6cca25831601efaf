package dev.glimpse.contracts;

import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.IngestPosition;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.TrainingExample;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of Glimpse with its types. Keys are image ids (UTF-8), so an image, its predictions, explanations and
 * labels share a partition; except {@code models}, keyed {@code <model name>/<version>} (compaction keeps the latest
 * state of every version, and the serving version is the last PROMOTED record in offset order), and {@code drift},
 * keyed by model and version.
 * The optional prefix lets tests (or several deployments on one cluster) use their own topics.
 */
public final class TopicCatalog {

    public static final int DEFAULT_PARTITIONS = 4;
    /** Largest record accepted on the topics that carry image bytes (images, deadletter, training-examples). */
    public static final int MAX_IMAGE_RECORD_BYTES = 16 * 1024 * 1024;

    public static final ProtobufSerde<ImageEvent> IMAGE_EVENT = ProtobufSerde.of(ImageEvent.getDefaultInstance());
    public static final ProtobufSerde<Prediction> PREDICTION = ProtobufSerde.of(Prediction.getDefaultInstance());
    public static final ProtobufSerde<Explanation> EXPLANATION = ProtobufSerde.of(Explanation.getDefaultInstance());
    public static final ProtobufSerde<Label> LABEL = ProtobufSerde.of(Label.getDefaultInstance());
    public static final ProtobufSerde<ModelAnnouncement> MODEL_ANNOUNCEMENT =
            ProtobufSerde.of(ModelAnnouncement.getDefaultInstance());
    public static final ProtobufSerde<DeadLetter> DEAD_LETTER = ProtobufSerde.of(DeadLetter.getDefaultInstance());
    public static final ProtobufSerde<DriftReport> DRIFT_REPORT = ProtobufSerde.of(DriftReport.getDefaultInstance());
    public static final ProtobufSerde<TrainingExample> TRAINING_EXAMPLE =
            ProtobufSerde.of(TrainingExample.getDefaultInstance());
    public static final ProtobufSerde<IngestPosition> INGEST_POSITION = ProtobufSerde.of(IngestPosition.getDefaultInstance());

    private final String prefix;
    private final Topic<String, ImageEvent> images;
    private final Topic<String, Prediction> predictions;
    private final Topic<String, Prediction> predictionsShadow;
    private final Topic<String, Explanation> explanations;
    private final Topic<String, Label> labels;
    private final Topic<String, ModelAnnouncement> models;
    private final Topic<String, DeadLetter> deadletter;
    private final Topic<String, DriftReport> drift;
    private final Topic<String, TrainingExample> trainingExamples;
    private final Topic<String, IngestPosition> ingestState;

    /**
     * @param prefix     prepended to every topic name ("" for the plain names {@code images}, {@code predictions} ...)
     * @param partitions partitions of the per-image topics (images, predictions, explanations, labels, examples)
     */
    public TopicCatalog(String prefix, int partitions) {
        this.prefix = prefix == null ? "" : prefix;
        Serde<String> key = Serdes.String();
        Map<String, String> none = Map.of();
        // Images are the only large records: allow up to MAX_IMAGE_RECORD_BYTES even where the broker default is 1 MiB.
        Map<String, String> large = Map.of("max.message.bytes", String.valueOf(MAX_IMAGE_RECORD_BYTES));
        this.images = new Topic<>(this.prefix + "images", key, IMAGE_EVENT, partitions, large);
        this.predictions = new Topic<>(this.prefix + "predictions", key, PREDICTION, partitions, none);
        this.predictionsShadow = new Topic<>(this.prefix + "predictions-shadow", key, PREDICTION, partitions, none);
        this.explanations = new Topic<>(this.prefix + "explanations", key, EXPLANATION, partitions, none);
        this.labels = new Topic<>(this.prefix + "labels", key, LABEL, partitions, none);
        // Compacted: the latest announcement per model name is the state a restarting worker needs.
        this.models = new Topic<>(this.prefix + "models", key, MODEL_ANNOUNCEMENT, 1,
                Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                        "segment.ms", "3600000"));
        // One partition: a dead-letter stream is low volume and read in order by people.
        this.deadletter = new Topic<>(this.prefix + "deadletter", key, DEAD_LETTER, 1, large);
        this.drift = new Topic<>(this.prefix + "drift", key, DRIFT_REPORT, 1, none);
        this.trainingExamples = new Topic<>(this.prefix + "training-examples", key, TRAINING_EXAMPLE, partitions, large);
        // Compacted, one partition: the latest position of each resumable source (dataset replay, watched directory).
        this.ingestState = new Topic<>(this.prefix + "ingest-state", key, INGEST_POSITION, 1,
                Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1", "segment.ms", "3600000"));
    }

    /** Plain topic names, {@value #DEFAULT_PARTITIONS} partitions. */
    public static TopicCatalog defaults() {
        return new TopicCatalog("", DEFAULT_PARTITIONS);
    }

    public static TopicCatalog withPrefix(String prefix) {
        return new TopicCatalog(prefix, DEFAULT_PARTITIONS);
    }

    public String prefix() {
        return prefix;
    }

    public Topic<String, ImageEvent> images() {
        return images;
    }

    public Topic<String, Prediction> predictions() {
        return predictions;
    }

    public Topic<String, Prediction> predictionsShadow() {
        return predictionsShadow;
    }

    public Topic<String, Explanation> explanations() {
        return explanations;
    }

    public Topic<String, Label> labels() {
        return labels;
    }

    public Topic<String, ModelAnnouncement> models() {
        return models;
    }

    public Topic<String, DeadLetter> deadletter() {
        return deadletter;
    }

    public Topic<String, DriftReport> drift() {
        return drift;
    }

    public Topic<String, TrainingExample> trainingExamples() {
        return trainingExamples;
    }

    /** Positions of the resumable ingest sources, keyed by source. */
    public Topic<String, IngestPosition> ingestState() {
        return ingestState;
    }

    /** Every topic, in data-flow order. */
    public List<Topic<String, ?>> all() {
        return List.of(images, predictions, predictionsShadow, explanations, labels, models, deadletter, drift,
                trainingExamples, ingestState);
    }

    @Override
    public String toString() {
        return "TopicCatalog[prefix='" + prefix + "']";
    }
}
