package dev.glimpse.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.evolution.ImageEventNext;
import dev.glimpse.contracts.evolution.ImageEventPrevious;
import dev.glimpse.contracts.evolution.LabelNext;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Writers and readers on different schema versions must understand each other: a newer reader sees defaults
 * for fields the writer did not know, an older reader skips (and keeps) fields it does not know.
 */
class SchemaEvolutionTest {

    static final TopicCatalog CATALOG = TopicCatalog.defaults();

    @Test
    void shouldReadCurrentImageEventWithNewerReaderSchema() throws Exception {
        // Given an event written with the current schema
        ImageEvent current = ProtobufSerdeTest.image();
        byte[] bytes = CATALOG.images().serializeValue(current);

        // When a reader with two extra fields parses it
        ImageEventNext next = ImageEventNext.parseFrom(bytes);

        // Then every known field is there and the new ones have their defaults
        assertEquals(current.getImageId(), next.getImageId());
        assertEquals(current.getData(), next.getData());
        assertEquals(current.getWidth(), next.getWidth());
        assertEquals(current.getLabel(), next.getLabel());
        assertEquals(current.getObjectMask(), next.getObjectMask());
        assertEquals(current.getAttributesMap(), next.getAttributesMap());
        assertEquals("", next.getCameraId());
        assertEquals(0, next.getExposureCount());
    }

    @Test
    void shouldReadNewerImageEventWithCurrentSchemaAndKeepUnknownFields() throws Exception {
        // Given an event written by a newer producer with fields this code does not know
        ImageEventNext next = ImageEventNext.newBuilder().setImageId("img-7").setData(ByteString.copyFromUtf8("png"))
                .setWidth(32).setHeight(16).setChannels(3).setLabel(-1).setCameraId("cam-2")
                .addAllExposure(List.of(0.5f, 0.25f)).build();

        // When the current consumer deserialises it
        ImageEvent current = CATALOG.images().deserializeValue(next.toByteArray());

        // Then known fields are read and the unknown ones survive a pass-through (e.g. a re-publish)
        assertEquals("img-7", current.getImageId());
        assertEquals(32, current.getWidth());
        assertEquals(16, current.getHeight());
        assertEquals(-1, current.getLabel());
        assertTrue(current.getUnknownFields().hasField(12), "camera_id kept as unknown field 12");
        assertTrue(current.getUnknownFields().hasField(13), "exposure kept as unknown field 13");
        assertEquals(next, ImageEventNext.newBuilder().mergeFrom(current.toByteString()).build(),
                "re-serialised event still carries the newer fields");
    }

    @Test
    void shouldReadCurrentImageEventWithOlderReaderSchema() throws Exception {
        // Given an event written with the current schema, read by a consumer that predates label/mask/attributes
        ImageEvent current = ProtobufSerdeTest.image();

        ImageEventPrevious previous = ImageEventPrevious.parseFrom(current.toByteArray());

        assertEquals(current.getImageId(), previous.getImageId());
        assertEquals(current.getData(), previous.getData());
        assertEquals(current.getHeight(), previous.getHeight());
    }

    @Test
    void shouldReadOlderImageEventWithCurrentSchemaUsingDefaults() {
        // Given an event from an old producer without label: proto3 default is 0, so consumers must not
        // treat 0 as "known label" without also checking the source — documented here so it stays visible.
        ImageEventPrevious previous = ImageEventPrevious.newBuilder().setImageId("old").setWidth(4).setHeight(4).build();

        ImageEvent current = CATALOG.images().deserializeValue(previous.toByteArray());

        assertEquals("old", current.getImageId());
        assertEquals(0, current.getLabel());
        assertEquals(0, current.getObjectMask().size());
        assertEquals(0, current.getAttributesCount());
    }

    @Test
    void shouldEvolveLabelBothWays() throws Exception {
        Label label = Label.newBuilder().setImageId("i").setLabel(4).setSource("console").setUser("u").build();
        LabelNext next = LabelNext.parseFrom(label.toByteArray());
        assertEquals(4, next.getLabel());
        assertEquals(0f, next.getConfidence());

        LabelNext newer = next.toBuilder().setConfidence(0.75f).build();
        Label back = CATALOG.labels().deserializeValue(newer.toByteArray());
        assertEquals(label.getImageId(), back.getImageId());
        assertEquals(4, back.getLabel());
        assertEquals("u", back.getUser());
        assertTrue(back.getUnknownFields().hasField(6));
    }
}
