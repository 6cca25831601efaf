package dev.glimpse.ingest.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.PredictionResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTopologyTest {

    @TempDir
    Path state;

    private final TopicCatalog catalog = new TopicCatalog("rt.", 3);
    private TopologyTestDriver driver;
    private TestInputTopic<String, ImageEvent> images;
    private TestInputTopic<String, Prediction> predictions;
    private TestInputTopic<String, Explanation> explanations;
    private TestInputTopic<String, Label> labels;
    private KeyValueStore<String, PredictionResult> store;
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeEach
    void setUp() {
        StreamsBuilder builder = new StreamsBuilder();
        ResultsTopology.createResultsTopology(builder, catalog, Duration.ofMinutes(10));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "results-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(builder.build(), props, t0);
        images = driver.createInputTopic(catalog.images().name(), Serdes.String().serializer(), catalog.images().valueSerde().serializer());
        predictions = driver.createInputTopic(catalog.predictions().name(), Serdes.String().serializer(),
                catalog.predictions().valueSerde().serializer());
        explanations = driver.createInputTopic(catalog.explanations().name(), Serdes.String().serializer(),
                catalog.explanations().valueSerde().serializer());
        labels = driver.createInputTopic(catalog.labels().name(), Serdes.String().serializer(), catalog.labels().valueSerde().serializer());
        store = driver.getKeyValueStore(ResultsTopology.STORE);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    static ImageEvent image(String id, long at) {
        return ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(new byte[1000])).setIngestedAtMs(at).build();
    }

    static Prediction prediction(String id, String version, long at) {
        return Prediction.newBuilder().setImageId(id).setModelName("m").setModelVersion(version).setPredictedAtMs(at)
                .addTopK(ClassScore.newBuilder().setClassIndex(3).setClassName("dress").setProbability(0.8f)).build();
    }

    static Explanation explanation(String id, String method, String uri) {
        return Explanation.newBuilder().setImageId(id).setModelName("m").setModelVersion("1")
                .addArtifacts(Artifact.newBuilder().setMethod(method).setImageUri(uri)).build();
    }

    @Test
    void shouldHoldAnAcceptedImageAsPendingUntilItsPredictionArrives() {
        // Given an accepted image
        images.pipeInput("a", image("a", t0.toEpochMilli()), t0);
        // Then it is known without a prediction (pending), and its bytes are not kept
        PredictionResult pending = store.get("a");
        assertFalse(pending.hasPrediction());
        assertEquals(t0.toEpochMilli(), pending.getAcceptedAtMs());
        assertTrue(pending.getSerializedSize() < 100, "the store keeps no image bytes: " + pending.getSerializedSize());

        // When its prediction arrives, then it is found
        predictions.pipeInput("a", prediction("a", "1", t0.toEpochMilli() + 50), t0.plusMillis(50));
        assertEquals("dress", store.get("a").getPrediction().getTopK(0).getClassName());
        assertNull(store.get("never-seen"), "an id never seen is unknown");
    }

    @Test
    void shouldJoinExplanationsByMethodAndTheLatestLabel() {
        // Given a prediction with two methods explained, one twice (a re-run after a crash rewrites it)
        predictions.pipeInput("b", prediction("b", "1", 1), t0);
        explanations.pipeInput("b", explanation("b", "gradcam", "artifact:1.png"), t0);
        explanations.pipeInput("b", explanation("b", "featuremaps", "artifact:2.png"), t0);
        explanations.pipeInput("b", explanation("b", "gradcam", "artifact:3.png"), t0);
        labels.pipeInput("b", Label.newBuilder().setImageId("b").setLabel(1).build(), t0);
        labels.pipeInput("b", Label.newBuilder().setImageId("b").setLabel(2).build(), t0);

        // Then one explanation per method (the later gradcam) and the later label
        PredictionResult r = store.get("b");
        assertEquals(2, r.getExplanationsCount());
        assertEquals("artifact:3.png", r.getExplanations(0).getArtifacts(0).getImageUri());
        assertEquals(2, r.getLabel().getLabel());
        // and the first-seen time is the prediction's record time when no image was seen
        assertEquals(t0.toEpochMilli(), r.getAcceptedAtMs());
    }

    @Test
    void shouldIgnoreShadowPredictionsAndKeepTheNewestVersion() {
        predictions.pipeInput("c", prediction("c", "1", 100), t0);
        predictions.pipeInput("c", prediction("c", "9", 300).toBuilder().setShadow(true).build(), t0);
        predictions.pipeInput("c", prediction("c", "2", 200), t0);
        assertEquals("2", store.get("c").getPrediction().getModelVersion(), "shadow v9 ignored, v2 newer than v1");
    }

    @Test
    void shouldDropEntriesOlderThanTheRetention() {
        // Given an image seen now and one seen 11 minutes later (retention 10 min)
        images.pipeInput("old", image("old", t0.toEpochMilli()), t0);
        images.pipeInput("new", image("new", t0.plus(Duration.ofMinutes(11)).toEpochMilli()), t0.plus(Duration.ofMinutes(11)));
        // When wall-clock time passes 10.5 minutes
        driver.advanceWallClockTime(Duration.ofSeconds(630));
        // Then the old one is gone, from both stores, and the new one stays
        assertNull(store.get("old"));
        assertTrue(store.get("new") != null);
        KeyValueStore<String, String> byTime = driver.getKeyValueStore(ResultsTopology.BY_TIME);
        assertNull(byTime.get(ResultsProcessor.timeKey(t0.toEpochMilli(), "old")));
    }
}
