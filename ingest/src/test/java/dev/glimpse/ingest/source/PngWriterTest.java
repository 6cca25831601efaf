package dev.glimpse.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.PngCodec;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PngWriterTest {

    @Test
    void shouldEncodeGrayAndRgbImagesThatImageIoDecodesToTheSamePixels() {
        Random random = new Random(1);
        for (int channels : new int[] {1, 3}) {
            byte[] pixels = new byte[channels * 7 * 5];
            random.nextBytes(pixels);
            LabeledImage image = new LabeledImage("x", channels, 7, 5, pixels, 2);

            // Decoded by the independent ImageIO path of the datasets module
            LabeledImage back = PngCodec.decode("x", PngWriter.encode(image), channels, 2);

            assertEquals(image, back, channels + " channels");
        }
    }
}
