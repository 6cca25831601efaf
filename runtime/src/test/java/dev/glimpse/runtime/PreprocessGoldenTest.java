package dev.glimpse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Preprocessing equals torchvision's {@code Resize -> CenterCrop -> ToTensor -> Normalize} (and the stretch and
 * letterbox variants) on PIL images: every golden tensor written by runtime/tools/preprocess_golden.py is matched
 * within max |diff| 0.05 and mean |diff| 0.01 in normalised units (design.md), and the CMYK JPEG is refused.
 */
class PreprocessGoldenTest {

    private static final double MAX_ABS = 0.05;
    private static final double MEAN_ABS = 0.01;
    private static final GraphFacts ANY = new GraphFacts("g", "x", new long[] {-1, -1, -1, -1}, "y", new long[] {-1, -1});

    @Test
    void shouldMatchTorchvisionGoldenTensorsWithinTolerance() throws Exception {
        Path dir = golden();
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        double worstMax = 0;
        double sumAbs = 0;
        long count = 0;
        int compared = 0;
        for (JsonNode c : manifest.get("cases")) {
            if (c.has("refused")) {
                continue;
            }
            Preprocessor p = new Preprocessor(ModelMetadata.parse(props(c), ANY));
            // Given the image torchvision read, When Glimpse preprocesses it
            float[] actual = p.fromEncoded(Files.readAllBytes(dir.resolve("images").resolve(c.get("image").asText())));
            float[] expected = NpyFloats.read(dir.resolve(c.get("tensor").asText()));
            // Then it has the golden's shape and values
            assertEquals(expected.length, actual.length, c.get("name").asText() + ": tensor size");
            double max = 0;
            double sum = 0;
            int beyondStorage = 0;
            for (int i = 0; i < actual.length; i++) {
                double d = Math.abs(actual[i] - expected[i]);
                max = Math.max(max, d);
                sum += d;
                if (d > storageError(expected[i])) {
                    beyondStorage++;
                }
            }
            double mean = sum / actual.length;
            // values beyond the golden file's own rounding (float16) differ in the pixels, not in storage
            System.out.printf(Locale.ROOT, "golden %-32s max %.5f mean %.6f, %d of %d values beyond float16 rounding%n",
                    c.get("name").asText(), max, mean, beyondStorage, actual.length);
            assertTrue(max <= MAX_ABS, c.get("name").asText() + ": max |diff| " + max);
            assertTrue(mean <= MEAN_ABS, c.get("name").asText() + ": mean |diff| " + mean);
            worstMax = Math.max(worstMax, max);
            sumAbs += sum;
            count += actual.length;
            compared++;
        }
        System.out.printf(Locale.ROOT, "golden: %d cases, worst max |diff| %.5f, overall mean |diff| %.6f%n",
                compared, worstMax, sumAbs / count);
        assertTrue(compared >= 20, "the manifest lists " + compared + " compared cases");
    }

    @Test
    void shouldRefuseTheCmykJpegAsWrongChannels() throws Exception {
        Path dir = golden();
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        int refused = 0;
        for (JsonNode c : manifest.get("cases")) {
            if (c.has("refused")) {
                Preprocessor p = new Preprocessor(ModelMetadata.parse(props(c), ANY));
                byte[] bytes = Files.readAllBytes(dir.resolve("images").resolve(c.get("image").asText()));
                PreprocessingException e = assertThrows(PreprocessingException.class, () -> p.fromEncoded(bytes));
                assertEquals(c.get("refused").asText(), e.reason());
                assertTrue(e.getMessage().contains("CMYK"), e.getMessage());
                refused++;
            }
        }
        assertEquals(1, refused);
    }

    /** Half a float16 ulp at {@code v} (plus float32 slack): the golden files' own rounding error. */
    private static double storageError(float v) {
        double a = Math.abs(v);
        double ulp = a < 6.103515625e-5 ? Math.pow(2, -24) : Math.pow(2, Math.floor(Math.log(a) / Math.log(2)) - 10);
        return ulp / 2 + 1e-6;
    }

    private static Map<String, String> props(JsonNode c) {
        Map<String, String> props = new LinkedHashMap<>();
        c.get("metadata").properties().forEach(e -> props.put(e.getKey(), e.getValue().asText()));
        return props;
    }

    private static Path golden() throws URISyntaxException {
        return Path.of(PreprocessGoldenTest.class.getResource("/preprocess-golden/manifest.json").toURI()).getParent();
    }
}
