package dev.glimpse.monitoring;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.monitoring.drift.ImageStatistics;
import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.monitoring.internal.ReferenceProcessor;
import dev.glimpse.monitoring.internal.Serdes;
import dev.glimpse.monitoring.internal.WindowSample;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.common.utils.Bytes;

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
    static final String WINDOW_STORE = "monitoring-windows";
    public static final String REFERENCE_STORE = "monitoring-references";

    private MonitoringTopology() {
    }

    public static void createMonitoringTopology(StreamsBuilder builder, MonitoringConfig config, TopicCatalog topics) {
        createMonitoringTopology(builder, config, topics, ReferenceLookup.NONE, DriftListener.NONE);
    }

    public static void createMonitoringTopology(StreamsBuilder builder, MonitoringConfig config, TopicCatalog topics,
                                                ReferenceLookup references, DriftListener listener) {
        Serde<String> key = org.apache.kafka.common.serialization.Serdes.String();
        Serde<Observation> observationSerde = Serdes.observation();
        Serde<WindowSample> sampleSerde = Serdes.windowSample();

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(REFERENCE_STORE), key,
                Serdes.referenceState()));

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
        // The images are reduced to two numbers before the join so the join store does not hold image bytes.
        KStream<String, double[]> imageStats = images
                .mapValues(img -> img == null ? Optional.<ImageStatistics>empty() : ImageStatistics.ofEncoded(img.getData().toByteArray()))
                .filter((id, s) -> s.isPresent())
                .mapValues(s -> new double[] {s.get().brightness(), s.get().contrast()});
        KStream<String, Observation> inputs = predictions
                .filter((id, p) -> p != null && !p.getShadow())
                .join(imageStats, (p, s) -> Observation.input(p, new ImageStatistics(s[0], s[1])), labelWindow,
                        StreamJoined.with(key, topics.predictions().valueSerde(), doubleArraySerde())
                                .withName("monitoring-image-join").withStoreName("monitoring-image-join")
                                .withDslStoreSuppliers(new BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers()));

        TimeWindows windows = TimeWindows.ofSizeAndGrace(config.windowSize(), config.windowGrace())
                .advanceBy(config.windowHop());

        predicted.merge(outcomes).merge(inputs)
                .map((id, o) -> KeyValue.pair(o.versionKey(), o))
                .groupByKey(Grouped.with("monitoring-by-version", key, observationSerde))
                .windowedBy(windows)
                .aggregate(() -> new WindowSample(config.sampleSize(), config.embeddingSampleSize(), config.seed()),
                        (version, o, sample) -> sample.add(o),
                        Materialized.<String, WindowSample, WindowStore<Bytes, byte[]>>as(WINDOW_STORE)
                                .withKeySerde(key).withValueSerde(sampleSerde)
                                .withStoreType(Materialized.StoreType.IN_MEMORY))
                // suppress rather than EmitStrategy.onWindowClose(): the latter checks for closed windows at most
                // once per wall-clock second, so the record that closes a window can be missed until the next one.
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("monitoring-closed-windows"))
                .toStream()
                .process(() -> new ReferenceProcessor(config, references, listener), REFERENCE_STORE)
                .to(topics.drift().name(), Produced.with(key, topics.drift().valueSerde()));
    }

    private static Serde<double[]> doubleArraySerde() {
        return org.apache.kafka.common.serialization.Serdes.serdeFrom(
                (topic, v) -> {
                    if (v == null) {
                        return null;
                    }
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * v.length);
                    for (double d : v) {
                        b.putDouble(d);
                    }
                    return b.array();
                },
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                    double[] v = new double[bytes.length / 8];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = b.getDouble();
                    }
                    return v;
                });
    }
}
