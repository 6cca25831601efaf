package dev.glimpse.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelMetadataTest {

    private static final GraphFacts GRAY_4X4_3_CLASSES =
            new GraphFacts("g", "input", new long[] {-1, 1, 4, 4}, "logits", new long[] {-1, 3});

    @Test
    void shouldReadEveryKeyWrittenIntoTheModel() throws Exception {
        try (PlacedSession placed = OrtSessions.open(TestModels.path("tiny-gray.onnx"), ExecutionDevice.CPU)) {
            ModelMetadata m = ModelMetadata.read(placed.session());

            assertEquals("tiny-gray", m.name());
            assertEquals("3", m.version());
            assertEquals("2", m.parentVersion());
            assertEquals(List.of("circle", "square", "triangle"), m.labels());
            assertEquals(InputColour.GRAY, m.colour());
            assertEquals(4, m.height());
            assertEquals(4, m.width());
            assertArrayEquals(new float[] {0.5f}, m.mean());
            assertArrayEquals(new float[] {0.25f}, m.std());
            assertEquals("2026-11-01T00:00:00Z/2026-11-20T00:00:00Z", m.trainingWindow());
            assertEquals(Map.of("accuracy", 0.875, "loss", 0.31), m.metrics());
            assertEquals(Optional.of("hidden"), m.embeddingOutput());
            assertEquals(OutputKind.LOGITS, m.outputKind());
        }
    }

    @Test
    void shouldFillDocumentedDefaultsFromTheGraphWhenMetadataIsAbsent() throws Exception {
        try (PlacedSession placed = OrtSessions.open(TestModels.path("tiny-rgb-bare.onnx"), ExecutionDevice.CPU)) {
            ModelMetadata m = ModelMetadata.read(placed.session());

            // defaults: graph name, version 0, index labels from the output width, colour and size from the input
            assertEquals("tiny_rgb_bare", m.name());
            assertEquals("0", m.version());
            assertEquals("", m.parentVersion());
            assertEquals(List.of("0", "1", "2", "3"), m.labels());
            assertEquals(InputColour.RGB, m.colour());
            assertEquals(6, m.height());
            assertEquals(5, m.width());
            assertArrayEquals(new float[] {0f, 0f, 0f}, m.mean());
            assertArrayEquals(new float[] {1f, 1f, 1f}, m.std());
            assertEquals(Map.of(), m.metrics());
            assertEquals(Optional.empty(), m.embeddingOutput());
            assertEquals(OutputKind.LOGITS, m.outputKind());
        }
    }

    @Test
    void shouldDefaultTo224RgbWhenTheInputShapeIsDynamic() {
        GraphFacts dynamic = new GraphFacts("", "x", new long[] {-1, -1, -1, -1}, "y", new long[] {-1, -1});
        ModelMetadata m = ModelMetadata.parse(Map.of(), dynamic);
        assertEquals("model", m.name());
        assertEquals(224, m.height());
        assertEquals(InputColour.RGB, m.colour());
        assertEquals("7", m.labelOf(7));
    }

    @Test
    void shouldRoundTripThroughProperties() {
        Map<String, String> props = new HashMap<>();
        props.put(ModelMetadataKeys.LABELS, "[\"a\",\"b, with comma\",\"c\"]");
        props.put(ModelMetadataKeys.INPUT_MEAN, "0.1");
        props.put(ModelMetadataKeys.METRICS, "{\"accuracy\":0.5}");
        props.put(ModelMetadataKeys.EMBEDDING_OUTPUT, "feat");
        ModelMetadata m = ModelMetadata.parse(props, GRAY_4X4_3_CLASSES);
        assertEquals(m, ModelMetadata.parse(m.toProperties(), GRAY_4X4_3_CLASSES));
        assertEquals("b, with comma", m.labelOf(1));
    }

    @Test
    void shouldNameTheKeyAndQuoteTheValueWhenMetadataIsInvalid() {
        assertInvalid(ModelMetadataKeys.INPUT_COLOUR, "purple", "expected gray or rgb");
        assertInvalid(ModelMetadataKeys.INPUT_COLOUR, "rgb", "1 channel");
        assertInvalid(ModelMetadataKeys.LABELS, "[\"a\",\"b\"]", "outputs 3 classes");
        assertInvalid(ModelMetadataKeys.LABELS, "a,b,c", "JSON array");
        assertInvalid(ModelMetadataKeys.INPUT_SIZE, "28x28", "model input is 4x4");
        assertInvalid(ModelMetadataKeys.INPUT_SIZE, "big", "HxW");
        assertInvalid(ModelMetadataKeys.INPUT_STD, "[0]", "> 0");
        assertInvalid(ModelMetadataKeys.INPUT_MEAN, "[0.1,0.2]", "1 or 1 values");
        assertInvalid(ModelMetadataKeys.METRICS, "{\"accuracy\":\"high\"}", "not a number");
        assertInvalid(ModelMetadataKeys.OUTPUT_KIND, "scores", "logits or probabilities");
        assertInvalid(ModelMetadataKeys.VERSION, "1 beta", "whitespace");
    }

    private static void assertInvalid(String key, String value, String expectation) {
        InvalidModelMetadataException e = assertThrows(InvalidModelMetadataException.class,
                () -> ModelMetadata.parse(Map.of(key, value), GRAY_4X4_3_CLASSES));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(expectation), e.getMessage());
    }
}
