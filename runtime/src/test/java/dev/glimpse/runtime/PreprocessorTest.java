package dev.glimpse.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OnnxTensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    private static final GraphFacts ANY = new GraphFacts("g", "x", new long[] {-1, -1, -1, -1}, "y", new long[] {-1, -1});

    private static Preprocessor preprocessor(String colour, String size, String mean, String std) {
        return new Preprocessor(ModelMetadata.parse(Map.of(
                ModelMetadataKeys.INPUT_COLOUR, colour, ModelMetadataKeys.INPUT_SIZE, size,
                ModelMetadataKeys.INPUT_MEAN, mean, ModelMetadataKeys.INPUT_STD, std), ANY));
    }

    @Test
    void shouldScaleAndNormaliseGrayPngPixelsWithMeanAndStd() throws IOException {
        // Given a 4x4 gray PNG with pixel i = 16 * i
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 16; i++) {
            img.getRaster().setSample(i % 4, i / 4, 0, 16 * i);
        }
        Preprocessor p = preprocessor("gray", "4x4", "[0.5]", "[0.25]");

        // When preprocessed from the encoded bytes
        float[] x = p.fromEncoded(encode(img, "png"));

        // Then every value is (v/255 - 0.5) / 0.25, unchanged by any gamma conversion
        for (int i = 0; i < 16; i++) {
            assertEquals((16 * i / 255f - 0.5f) / 0.25f, x[i], 1e-5f, "pixel " + i);
        }
    }

    @Test
    void shouldConvertRgbToGrayAsPilConvertL() throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 16; i++) {
            img.setRGB(i % 4, i / 4, (200 << 16) | (100 << 8) | 50);
        }
        float[] x = preprocessor("gray", "4x4", "0", "1").fromEncoded(encode(img, "png"));
        // PIL: Image.new('RGB', (1, 1), (200, 100, 50)).convert('L') == 124 (fixed-point BT.601 luma, rounded)
        for (float v : x) {
            assertEquals(124 / 255f, v, 1e-6f);
        }
    }

    @Test
    void shouldReplicateGrayIntoRgbChannelsAndApplyPerChannelNormalisation() {
        Preprocessor p = preprocessor("rgb", "1x2", "[0.0,0.5,1.0]", "[1.0,0.5,2.0]");
        float[] x = p.fromPixels(new byte[] {(byte) 255, 0}, 2, 1, 1);
        // CHW: channel c holds (v/255 - mean[c]) / std[c] for both pixels
        assertArrayEquals(new float[] {1f, 0f, 1f, -1f, 0f, -0.5f}, x, 1e-6f);
    }

    @Test
    void shouldKeepRgbChannelOrderFromInterleavedPixels() {
        Preprocessor p = preprocessor("rgb", "1x1", "0", "1");
        float[] x = p.fromPixels(new byte[] {(byte) 255, (byte) 51, 0, (byte) 7}, 1, 1, 4);
        assertArrayEquals(new float[] {1f, 0.2f, 0f}, x, 1e-6f);
    }

    @Test
    void shouldResizeAsPilBilinearWithAntialiasingAndEightBitRounding() {
        // references from PIL: Image.fromarray(a, 'L').resize((w, h), Image.BILINEAR)
        Preprocessor up = preprocessor("gray", "4x4", "0", "[0.00392156862745098]"); // std 1/255 keeps pixel units
        float[] x = up.fromPixels(new byte[] {0, 10, 20, 30}, 2, 2, 1);
        assertArrayEquals(new float[] {0, 3, 8, 10, 5, 8, 13, 15, 15, 18, 23, 25, 20, 23, 28, 30}, x, 1e-3f);

        // downscaling 5x3 -> 3x2 widens the triangle filter (antialiasing): a 2-tap bilinear would give 1.58, 3.25, ...
        Preprocessor down = preprocessor("gray", "2x3", "0", "[0.00392156862745098]");
        byte[] ramp = new byte[15];
        for (int i = 0; i < 15; i++) {
            ramp[i] = (byte) i;
        }
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, down.fromPixels(ramp, 5, 3, 1), 1e-3f);
    }

    @Test
    void shouldDecodeJpeg() throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        float[] v = preprocessor("gray", "8x8", "0", "1").fromEncoded(encode(img, "jpg"));
        for (float f : v) {
            assertEquals(128 / 255f, f, 3 / 255f);
        }
    }

    @Test
    void shouldRefuseEmptyGarbageAndMisshapenInputWithMachineReadableReasons() {
        Preprocessor p = preprocessor("gray", "4x4", "0", "1");
        assertEquals("empty", assertThrows(PreprocessingException.class, () -> p.fromEncoded(new byte[0])).reason());
        assertEquals("undecodable", assertThrows(PreprocessingException.class,
                () -> p.fromEncoded("this is not an image".getBytes())).reason());
        assertEquals("wrong-channels", assertThrows(PreprocessingException.class,
                () -> p.fromPixels(new byte[8], 2, 2, 2)).reason());
        assertEquals("wrong-channels", assertThrows(PreprocessingException.class,
                () -> p.fromPixels(new byte[5], 2, 2, 1)).reason());
    }

    @Test
    void shouldPackSamplesIntoAnNchwTensor() throws Exception {
        Preprocessor p = preprocessor("gray", "2x2", "0", "1");
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        try (OnnxTensor t = p.batch(OrtSessions.environment(), List.of(a, b))) {
            assertArrayEquals(new long[] {2, 1, 2, 2}, t.getInfo().getShape());
            float[] flat = new float[8];
            t.getFloatBuffer().get(flat);
            assertEquals("[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]", Arrays.toString(flat));
        }
        assertThrows(IllegalArgumentException.class, () -> p.batch(OrtSessions.environment(), List.of(new float[3])));
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }
}
