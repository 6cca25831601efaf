package dev.glimpse.ingest.results;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.PredictionResult;
import dev.glimpse.contracts.ProtobufSerde;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.Stores;

/**
 * images ⋈ predictions ⋈ explanations ⋈ labels, materialised by image id into {@link #STORE} (a
 * {@link PredictionResult} per image) with a time index {@link #BY_TIME} for paging; entries older than the retention
 * are dropped. All four topics are keyed by image id with the same partition count, so one task holds every event
 * of an image and no repartitioning is needed.
 */
public final class ResultsTopology {

    /** Image id → what is known about it. */
    public static final String STORE = "prediction-results";
    /** {@code <first-seen ms, 13 digits>/<image id>} → image id: the store in time order. */
    public static final String BY_TIME = "prediction-results-by-time";

    private ResultsTopology() {
    }

    public static Serde<PredictionResult> resultSerde() {
        return ProtobufSerde.of(PredictionResult.getDefaultInstance());
    }

    public static void createResultsTopology(StreamsBuilder builder, TopicCatalog catalog, Duration retention) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), resultSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BY_TIME), Serdes.String(), Serdes.String()));
        KStream<String, PredictionResult> images = builder.stream(catalog.images().name(),
                        Consumed.with(Serdes.String(), catalog.images().valueSerde()))
                .mapValues(ResultsTopology::accepted);
        KStream<String, PredictionResult> predictions = builder.stream(catalog.predictions().name(),
                        Consumed.with(Serdes.String(), catalog.predictions().valueSerde()))
                .filter((id, p) -> p != null && !p.getShadow())
                .mapValues((Prediction p) -> PredictionResult.newBuilder().setImageId(p.getImageId()).setPrediction(p).build());
        KStream<String, PredictionResult> explanations = builder.stream(catalog.explanations().name(),
                        Consumed.with(Serdes.String(), catalog.explanations().valueSerde()))
                .filter((id, e) -> e != null)
                .mapValues((Explanation e) -> PredictionResult.newBuilder().setImageId(e.getImageId()).addExplanations(e).build());
        KStream<String, PredictionResult> labels = builder.stream(catalog.labels().name(),
                        Consumed.with(Serdes.String(), catalog.labels().valueSerde()))
                .filter((id, l) -> l != null)
                .mapValues((Label l) -> PredictionResult.newBuilder().setImageId(l.getImageId()).setHasLabel(true).setLabel(l).build());
        images.merge(predictions).merge(explanations).merge(labels)
                .filter((id, update) -> id != null && !id.isEmpty())
                .process(() -> new ResultsProcessor(retention), STORE, BY_TIME);
    }

    /** The image event reduced to the fact that it was accepted (its bytes are not kept). */
    private static PredictionResult accepted(ImageEvent image) {
        return PredictionResult.newBuilder().setImageId(image.getImageId()).setAcceptedAtMs(image.getIngestedAtMs()).build();
    }
}
