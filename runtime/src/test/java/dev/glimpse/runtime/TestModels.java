package dev.glimpse.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The tiny ONNX models under src/test/resources/models (written by make_test_models.py). */
final class TestModels {

    private TestModels() {
    }

    static Path path(String name) {
        try {
            return Path.of(TestModels.class.getResource("/models/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode tinyGrayExpected() {
        try (InputStream in = TestModels.class.getResourceAsStream("/models/tiny-gray.expected.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] row(JsonNode matrix, int r) {
        JsonNode row = matrix.get(r);
        float[] out = new float[row.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) row.get(i).asDouble();
        }
        return out;
    }
}
