package dev.glimpse.monitoring.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageStatisticsTest {

    @Test
    void shouldComputeMeanAndStdOfAGreyPngAndItsInverse() throws Exception {
        // Given a 2x2 grey image with values 0, 51, 102, 255
        int[] values = {0, 51, 102, 255};
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage inverted = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 4; i++) {
            img.getRaster().setSample(i % 2, i / 2, 0, values[i]);
            inverted.getRaster().setSample(i % 2, i / 2, 0, 255 - values[i]);
        }
        double mean = (0 + 0.2 + 0.4 + 1.0) / 4;
        double std = Math.sqrt((Math.pow(0 - mean, 2) + Math.pow(0.2 - mean, 2) + Math.pow(0.4 - mean, 2) + Math.pow(1 - mean, 2)) / 4);

        // When
        ImageStatistics stats = ImageStatistics.ofEncoded(png(img)).orElseThrow();
        ImageStatistics inv = ImageStatistics.ofEncoded(png(inverted)).orElseThrow();

        // Then: inversion mirrors brightness and keeps contrast
        assertEquals(mean, stats.brightness(), 1e-12);
        assertEquals(std, stats.contrast(), 1e-12);
        assertEquals(1 - mean, inv.brightness(), 1e-12);
        assertEquals(std, inv.contrast(), 1e-12);
    }

    @Test
    void shouldUseLuminanceWeightsForColourImages() throws Exception {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        assertEquals(0.299, ImageStatistics.ofEncoded(png(img)).orElseThrow().brightness(), 1e-12);
    }

    @Test
    void shouldReturnEmptyForUndecodableBytes() {
        assertTrue(ImageStatistics.ofEncoded(new byte[] {1, 2, 3}).isEmpty());
        assertTrue(ImageStatistics.ofEncoded(new byte[0]).isEmpty());
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
