package dev.glimpse.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.FaithfulnessScores;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Timings;
import dev.glimpse.contracts.events.TrainingExample;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ProtobufSerdeTest {

    static final TopicCatalog CATALOG = TopicCatalog.withPrefix("serde-test.");

    static ImageEvent image() {
        return ImageEvent.newBuilder().setImageId("img-1").setData(ByteString.copyFrom(new byte[] {(byte) 0x89, 'P', 'N', 'G'}))
                .setContentType("image/png").setWidth(28).setHeight(28).setChannels(1).setSource("replay:shapes")
                .setIngestedAtMs(1_700_000_000_000L).setLabel(3)
                .setObjectMask(ByteString.copyFrom(new byte[] {0, 1, 1, 0})).putAttributes("seed", "42").build();
    }

    static Prediction prediction() {
        return Prediction.newBuilder().setImageId("img-1").setModelName("fmnist-cnn").setModelVersion("3")
                .addTopK(ClassScore.newBuilder().setClassIndex(3).setClassName("dress").setProbability(0.9f).setLogit(4.2f))
                .addTopK(ClassScore.newBuilder().setClassIndex(0).setClassName("t-shirt").setProbability(0.05f))
                .addAllEmbedding(List.of(0.5f, -1.25f, 3f))
                .setTimings(Timings.newBuilder().setQueueMs(3).setInferenceMs(7).setEndToEndMs(12).setBatchSize(16))
                .setPredictedAtMs(1_700_000_000_012L).setLabel(3).setDevice("cpu").setWorkerId("w-1")
                .setIngestedAtMs(1_700_000_000_000L).build();
    }

    @Test
    void shouldRoundTripEveryEventThroughItsTopic() {
        // Given one fully populated event per topic
        Explanation explanation = Explanation.newBuilder().setImageId("img-1").setModelName("m").setModelVersion("1")
                .setTargetClass(3).setLayer("/conv2/Relu").setReason("low-confidence").setTotalMs(40)
                .addArtifacts(Artifact.newBuilder().setMethod("gradcam").setRawUri("file:///a.npy").setImageUri("file:///a.png")
                        .addAllRawShape(List.of(7L, 7L)).setDurationMs(20)
                        .setFaithfulness(FaithfulnessScores.newBuilder().setDeletionAuc(0.1).setInsertionAuc(0.8)
                                .setHasPointingGame(true).setPointingGameHit(true)))
                .build();
        Label label = Label.newBuilder().setImageId("img-1").setLabel(3).setSource("console").setUser("ann")
                .setLabeledAtMs(5).build();
        ModelAnnouncement model = ModelAnnouncement.newBuilder().setModelName("m").setVersion("2")
                .setState(ModelAnnouncement.State.SHADOW).setUri("file:///store/m/2/model.onnx").setSha256("ab")
                .setParentVersion("1").putMetrics("accuracy", 0.91).setShadowFraction(0.1).build();
        DeadLetter dead = DeadLetter.newBuilder().setReason("truncated").setDetail("PNG ends inside IDAT")
                .setStage("ingest").setOriginalValue(ByteString.copyFrom(new byte[] {1, 2, 3})).setImageId("img-9").build();
        DriftReport drift = DriftReport.newBuilder().setModelName("m").setModelVersion("2").setStatistic("mean-confidence")
                .setValue(0.4).setThreshold(0.6).setDrifted(true).setEvents(500).putDetails("psi", 0.3).build();
        TrainingExample example = TrainingExample.newBuilder().setImageId("img-1").setImage(image()).setLabel(label)
                .setJoinedAtMs(9).build();

        // When / Then each one survives serialize → deserialize on its own topic, field for field
        assertRoundTrip(CATALOG.images(), image());
        assertRoundTrip(CATALOG.predictions(), prediction());
        assertRoundTrip(CATALOG.predictionsShadow(), prediction().toBuilder().setShadow(true).build());
        assertRoundTrip(CATALOG.explanations(), explanation);
        assertRoundTrip(CATALOG.labels(), label);
        assertRoundTrip(CATALOG.models(), model);
        assertRoundTrip(CATALOG.deadletter(), dead);
        assertRoundTrip(CATALOG.drift(), drift);
        assertRoundTrip(CATALOG.trainingExamples(), example);
    }

    private static <V extends Message> void assertRoundTrip(Topic<String, V> topic, V value) {
        byte[] keyBytes = topic.serializeKey("img-1");
        byte[] valueBytes = topic.serializeValue(value);
        assertEquals("img-1", topic.deserializeKey(keyBytes), topic.name());
        V back = topic.deserializeValue(valueBytes);
        assertEquals(value, back, topic.name());
        assertArrayEquals(valueBytes, back.toByteArray(), topic.name() + " re-serialises to the same bytes");
    }

    @Test
    void shouldMapTombstoneToNullBothWays() {
        // A compacted topic deletes a key with a null value; the serde must pass it through.
        assertNull(CATALOG.models().serializeValue(null));
        assertNull(CATALOG.models().deserializeValue(null));
    }

    @Test
    void shouldNameTypeAndTopicWhenBytesAreNotTheMessage() {
        // Given bytes that are not a valid protobuf (a truncated varint length of a bytes field)
        byte[] garbage = {0x12, 0x7f, 0x01};

        // When / Then
        SerializationException e = assertThrows(SerializationException.class,
                () -> CATALOG.images().deserializeValue(garbage));
        assertTrue(e.getMessage().contains("glimpse.events.v1.ImageEvent"), e.getMessage());
        assertTrue(e.getMessage().contains("serde-test.images"), e.getMessage());
    }
}
