package dev.glimpse.monitoring;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.monitoring.drift.ImageStatistics;
import dev.glimpse.monitoring.internal.ImageMeasurement;
import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.monitoring.internal.ReferenceProcessor;
import dev.glimpse.monitoring.internal.MonitoringSerdes;
import org.apache.kafka.common.serialization.Serdes;
import dev.glimpse.monitoring.internal.WindowSample;
import dev.glimpse.monitoring.internal.WindowAggregator;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitoring topology: predictions, late labels and input images become observations per model version,
 * aggregated in event-time windows; each closed window is compared with the version's reference and the
 * resulting {@code DriftReport}s go to the {@code drift} topic (keyed by model name) and to a {@link DriftListener}.
 * All state is in memory (backed by changelog topics): windows are minutes long, and opening a RocksDB instance per
 * window segment cost more than the whole evaluation.
 */
public final class MonitoringTopology {

    /** Application id of the monitoring Kafka Streams application (prefix of its internal topics). */
    public static final String APPLICATION_ID = "glimpse-monitoring";
    // not the DSL window store's name of earlier versions: its changelog holds windowed keys
    static final String WINDOW_STORE = "monitoring-open-windows";

    private MonitoringTopology() {
    }

    public static void createMonitoringTopology(StreamsBuilder builder, MonitoringConfig config, TopicCatalog topics) {
        createMonitoringTopology(builder, config, topics, ReferenceLookup.NONE, DriftListener.NONE);
    }

    public static void createMonitoringTopology(StreamsBuilder builder, MonitoringConfig config, TopicCatalog topics,
                                                ReferenceLookup references, DriftListener listener) {
        createMonitoringTopology(builder, config, topics, references, listener, 1);
    }

    /**
     * @param inputPartitions partitions of the predictions topic (and of images and labels, which are co-partitioned
     *                        with it): windows wait for each of them to report before they close (1 = no waiting,
     *                        as in a TopologyTestDriver)
     */
    public static void createMonitoringTopology(StreamsBuilder builder, MonitoringConfig config, TopicCatalog topics,
                                                ReferenceLookup references, DriftListener listener, int inputPartitions) {
        Serde<String> key = Serdes.String();
        Serde<Observation> observationSerde = MonitoringSerdes.observation();
        Serde<WindowSample> sampleSerde = MonitoringSerdes.windowSample();

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ReferenceProcessor.STORE), key,
                MonitoringSerdes.referenceState()));

        KStream<String, Prediction> predictions = builder.stream(topics.predictions().name(),
                Consumed.with(key, topics.predictions().valueSerde()));
        KStream<String, Label> labels = builder.stream(topics.labels().name(),
                Consumed.with(key, topics.labels().valueSerde()));
        KStream<String, ImageEvent> images = builder.stream(topics.images().name(),
                Consumed.with(key, topics.images().valueSerde()));

        KStream<String, Observation> predicted = predictions
                .filter((id, p) -> p != null && !p.getShadow())
                .mapValues(Observation::prediction)
                .peek((id, o) -> listener.onPrediction(o));

        // Labels that arrive after the prediction (console feedback): joined by image id. Predictions that already
        // carry their label are counted from the prediction itself, so they are left out of the join.
        JoinWindows labelWindow = JoinWindows.ofTimeDifferenceAndGrace(config.labelJoinWindow(), config.windowGrace());
        KStream<String, Observation> outcomes = predictions
                .filter((id, p) -> p != null && !p.getShadow() && p.getLabel() < 0)
                .join(labels.filter((id, l) -> l != null && l.getLabel() >= 0),
                        (p, l) -> Observation.outcome(p, l.getLabel()), labelWindow,
                        StreamJoined.with(key, topics.predictions().valueSerde(), topics.labels().valueSerde())
                                .withName("monitoring-label-join").withStoreName("monitoring-label-join")
                                .withDslStoreSuppliers(new BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers()));

        // Images carry no model version: join each image's brightness/contrast with the prediction made on it.
        // The images are reduced to two numbers before the join so the join store does not hold image bytes; an
        // image that cannot be measured (over the image limits, undecodable) goes to the dead-letter topic.
        Map<String, KStream<String, ImageMeasurement>> measured = images
                .processValues(() -> new ImageMeasurement.Measurer(config.imageLimits()), Named.as("monitoring-image-statistics"))
                .split(Named.as("monitoring-image-"))
                .branch((id, m) -> m.deadLetter() != null, Branched.as("refused"))
                .defaultBranch(Branched.as("measured"));
        measured.get("monitoring-image-refused").mapValues(ImageMeasurement::deadLetter, Named.as("monitoring-image-dead-letter"))
                .peek((id, letter) -> listener.onDeadLetter(letter.getReason()), Named.as("monitoring-count-dead-letter"))
                .to(topics.deadletter().name(), Produced.with(key, topics.deadletter().valueSerde())
                        .withName("monitoring-dead-letters"));
        KStream<String, double[]> imageStats = measured.get("monitoring-image-measured")
                .mapValues(ImageMeasurement::statistics, Named.as("monitoring-image-statistics-values"));
        KStream<String, Observation> inputs = predictions
                .filter((id, p) -> p != null && !p.getShadow())
                .join(imageStats, (p, s) -> Observation.input(p, new ImageStatistics(s[0], s[1])), labelWindow,
                        StreamJoined.with(key, topics.predictions().valueSerde(), MonitoringSerdes.doubleArray())
                                .withName("monitoring-image-join").withStoreName("monitoring-image-join")
                                .withDslStoreSuppliers(new BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers()));

        // Windows per model version: all observations of a version go to one task. The source partition is stamped
        // first, because after the repartition the input tasks' records are interleaved and the windows close on the
        // slowest input partition's event time (see WindowAggregator), not on the largest time seen.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WINDOW_STORE), key, sampleSerde));
        predicted.merge(outcomes).merge(inputs)
                .processValues(SourceStamp::new, Named.as("monitoring-source-stamp"))
                .selectKey((id, o) -> o.versionKey(), Named.as("monitoring-version-key"))
                .repartition(Repartitioned.with(key, observationSerde).withName("monitoring-by-version"))
                .process(() -> new WindowAggregator(config, WINDOW_STORE, listener, inputPartitions), Named.as("monitoring-windows"),
                        WINDOW_STORE)
                .process(() -> new ReferenceProcessor(config, references, listener), Named.as("monitoring-reference"),
                        ReferenceProcessor.STORE)
                .to(topics.drift().name(), Produced.with(key, topics.drift().valueSerde()));
    }

    /** Stamps each observation with the input partition it was read from (a header that survives the repartition). */
    private static final class SourceStamp implements FixedKeyProcessor<String, Observation, Observation> {
        private FixedKeyProcessorContext<String, Observation> context;

        @Override
        public void init(FixedKeyProcessorContext<String, Observation> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, Observation> record) {
            int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
            Headers headers = new RecordHeaders(record.headers().toArray());
            headers.remove(WindowAggregator.SOURCE_HEADER);
            headers.add(WindowAggregator.SOURCE_HEADER, WindowAggregator.sourceHeader(partition));
            context.forward(record.withHeaders(headers));
        }
    }
}
