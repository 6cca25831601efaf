package dev.glimpse.monitoring.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.PreprocessingException;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
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
        ImageStatistics stats = ImageStatistics.ofEncoded(png(img), ImageLimits.DEFAULT);
        ImageStatistics inv = ImageStatistics.ofEncoded(png(inverted), ImageLimits.DEFAULT);

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
        assertEquals(0.299, ImageStatistics.ofEncoded(png(img), ImageLimits.DEFAULT).brightness(), 1e-12);
    }

    @Test
    void shouldRefuseUndecodableBytesWithTheirDeadLetterReason() {
        assertEquals("undecodable", refusal(new byte[] {1, 2, 3}));
        assertEquals("empty", refusal(new byte[0]));
    }

    @Test
    void shouldMeasureAnImageUpToTheStatisticsSideWholeEvenWithFinePeriodicTexture() throws Exception {
        // Given a 1500x1000 RGB image of smooth gradients plus a fine checkerboard (what subsampling could miss)
        int w = 1500;
        int h = 1000;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        double sum = 0;
        double sumSq = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = x * 255 / (w - 1);
                int g = y * 255 / (h - 1);
                int b = ((x / 3 + y / 3) % 2) * 200;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
                double l = (0.299 * r + 0.587 * g + 0.114 * b) / 255.0;
                sum += l;
                sumSq += l * l;
            }
        }
        double mean = sum / (w * h);
        double std = Math.sqrt(sumSq / (w * h) - mean * mean);

        // When it is measured (under ImageStatistics.STATISTICS_SIDE a side: not subsampled, so nothing aliases)
        ImageStatistics stats = ImageStatistics.ofEncoded(png(img), ImageLimits.DEFAULT);

        // Then the statistics are those of the whole image, computed here pixel by pixel (within 2 %: PNG round trip)
        assertEquals(mean, stats.brightness(), 0.02 * mean);
        assertEquals(std, stats.contrast(), 0.02 * std);
    }

    @Test
    void shouldRefuseAnImageOverThePixelLimitFromItsHeader() throws Exception {
        BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_BYTE_GRAY);
        assertEquals("too-many-pixels", refusal(png(img), ImageLimits.ofPixels(300 * 200 - 1)));
        ImageStatistics.ofEncoded(png(img), ImageLimits.ofPixels(300 * 200)); // the limit itself is accepted
    }

    private static String refusal(byte[] encoded) {
        return refusal(encoded, ImageLimits.DEFAULT);
    }

    private static String refusal(byte[] encoded, ImageLimits limits) {
        return assertThrows(PreprocessingException.class, () -> ImageStatistics.ofEncoded(encoded, limits)).reason();
    }

    @Test
    void shouldRefuseAPngWhoseHeaderClaims46000By46000PixelsWithoutAllocatingThem() throws Exception {
        // Given a decompression bomb: a valid PNG header claiming 46000x46000 RGB (6.3 GB of pixels, 16.9 GB as
        // doubles) and no pixel data at all
        byte[] bomb = headerOnlyPng(46_000, 46_000);

        // When its statistics are asked for, Then it is refused from the header, quickly and without running out
        // of memory (decoding it, or allocating a double per pixel, would throw OutOfMemoryError here)
        long t0 = System.nanoTime();
        assertEquals("too-many-pixels", refusal(bomb));
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused from the header");
    }

    /** PNG signature, IHDR (8-bit RGB, given size) and IEND: what an image reader needs to report the size. */
    private static byte[] headerOnlyPng(int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(typeBytes);
        out.write(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
