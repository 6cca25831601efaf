package dev.glimpse.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The one decoder refuses what exceeds a stage's limits from the header, and maps every failure to a reason. */
class DecodedImageLimitsTest {

    @Test
    void shouldRefuseA46000By46000PngFromItsHeaderWithoutAllocatingItsPixels() throws Exception {
        // Given a PNG header claiming 46000x46000 RGB (6.3 GB decoded) followed by a short zlib stream
        byte[] bomb = headerPng(46_000, 46_000);

        // When it is decoded, its header probed, or subsampled for statistics, Then each refuses it quickly
        long t0 = System.nanoTime();
        assertEquals("too-many-pixels", reason(() -> DecodedImage.decode(bomb, ImageLimits.DEFAULT)));
        assertEquals("too-many-pixels", reason(() -> DecodedImage.header(bomb, ImageLimits.DEFAULT)));
        assertEquals("too-many-pixels", reason(() -> DecodedImage.decodeSubsampled(bomb, ImageLimits.DEFAULT, 64)));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refused from the header");
    }

    @Test
    void shouldRefuseTooManyBytesBeforeReadingTheHeader() throws Exception {
        byte[] png = png(new BufferedImage(10, 10, BufferedImage.TYPE_BYTE_GRAY));
        assertEquals("too-many-bytes", reason(() -> DecodedImage.decode(png, new ImageLimits(png.length - 1, 1000))));
        assertEquals(10, DecodedImage.decode(png, new ImageLimits(png.length, 100)).width(), "both limits are inclusive");
        assertEquals("too-many-pixels", reason(() -> DecodedImage.decode(png, new ImageLimits(png.length, 99))));
    }

    @Test
    void shouldMapGarbageAndEmptyBytesToTheirReasons() {
        byte[] garbage = new byte[4096];
        new Random(15).nextBytes(garbage);
        assertEquals("undecodable", reason(() -> DecodedImage.decode(garbage, ImageLimits.DEFAULT)));
        assertEquals("undecodable", reason(() -> DecodedImage.header(garbage, ImageLimits.DEFAULT)));
        assertEquals("empty", reason(() -> DecodedImage.decode(new byte[0], ImageLimits.DEFAULT)));
        // a real signature with a header that says nothing sensible
        assertEquals("undecodable", reason(() -> DecodedImage.decode(headerPng(0, 5), ImageLimits.DEFAULT)));
    }

    @Test
    void shouldReadTheHeaderWithoutDecoding() throws Exception {
        ImageHeader h = DecodedImage.header(png(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB)), ImageLimits.DEFAULT);
        assertEquals(new ImageHeader("png", 40, 30), h);
    }

    @Test
    void shouldDecodeASmallImageWholeAndSubsampleALargeOneToAtMostTheGivenSide() throws Exception {
        BufferedImage img = new BufferedImage(100, 60, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 60; y++) {
            for (int x = 0; x < 100; x++) {
                img.getRaster().setSample(x, y, 0, (x * 7 + y * 3) % 256);
            }
        }
        byte[] png = png(img);
        DecodedImage whole = DecodedImage.decode(png, ImageLimits.DEFAULT);

        // no larger than the side: exactly the whole decode
        assertEquals(whole, DecodedImage.decodeSubsampled(png, ImageLimits.DEFAULT, 100));

        // step ceil(100 / 30) = 4: every 4th pixel of every 4th row, starting at (0, 0)
        DecodedImage sub = DecodedImage.decodeSubsampled(png, ImageLimits.DEFAULT, 30);
        assertEquals(25, sub.width());
        assertEquals(15, sub.height());
        byte[] expected = new byte[25 * 15];
        for (int y = 0; y < 15; y++) {
            for (int x = 0; x < 25; x++) {
                expected[y * 25 + x] = (byte) (((x * 4) * 7 + (y * 4) * 3) % 256);
            }
        }
        assertArrayEquals(expected, sub.pixels());
    }

    private static String reason(org.junit.jupiter.api.function.Executable decode) {
        return assertThrows(PreprocessingException.class, decode).reason();
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** PNG signature, IHDR (8-bit RGB, the given size), a tiny IDAT and IEND. */
    static byte[] headerPng(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
