package dev.glimpse.ingest;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;

/** Good and bad image payloads built in code (no files in the repository). */
public final class ImageSamples {

    private ImageSamples() {
    }

    public static BufferedImage drawing(int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        return image;
    }

    public static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] grayPng() {
        return encode(drawing(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png");
    }

    public static byte[] rgbPng() {
        return encode(drawing(32, 24, BufferedImage.TYPE_3BYTE_BGR), "png");
    }

    public static byte[] rgbJpeg() {
        return encode(drawing(40, 30, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    }

    public static byte[] gif() {
        return encode(drawing(16, 16, BufferedImage.TYPE_BYTE_INDEXED), "gif");
    }

    public static byte[] bmp() {
        return encode(drawing(16, 16, BufferedImage.TYPE_3BYTE_BGR), "bmp");
    }

    public static byte[] sixteenBitPng() {
        return encode(drawing(16, 16, BufferedImage.TYPE_USHORT_GRAY), "png");
    }

    /** A real 4-component (CMYK-like) JPEG, written from a 4-band raster. */
    public static byte[] cmykJpeg() {
        WritableRaster raster = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                raster.setPixel(x, y, new int[] {x * 16, y * 16, 128, 0});
            }
        }
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (var ios = ImageIO.createImageOutputStream(out)) {
                writer.setOutput(ios);
                writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
            } finally {
                writer.dispose();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] truncated(byte[] data, double keep) {
        return Arrays.copyOf(data, (int) (data.length * keep));
    }

    /** A valid PNG signature and IHDR declaring width x height gray pixels, a tiny IDAT and IEND (a "bomb" header). */
    public static byte[] pngHeader(int width, int height) {
        return pngHeader(width, height, 8);
    }

    public static byte[] pngHeader(int width, int height, int bitDepth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A PNG whose pixel data is damaged, with the chunk CRC recomputed so only the decoder can notice. */
    public static byte[] corruptPixelDataPng() {
        byte[] png = encode(drawing(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png");
        // Find IDAT, scramble its zlib stream, fix the CRC.
        int pos = 8;
        while (pos < png.length) {
            int length = ByteBuffer.wrap(png, pos, 4).getInt();
            String type = new String(png, pos + 4, 4, StandardCharsets.US_ASCII);
            if (type.equals("IDAT")) {
                for (int i = pos + 8; i < pos + 8 + length; i++) {
                    png[i] = (byte) (png[i] ^ 0x5A);
                }
                CRC32 crc = new CRC32();
                crc.update(png, pos + 4, 4 + length);
                ByteBuffer.wrap(png, pos + 8 + length, 4).putInt((int) crc.getValue());
                return png;
            }
            pos += 12 + length;
        }
        throw new IllegalStateException("no IDAT");
    }

    public static byte[] garbage(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        bytes[0] = 0x13; // not the first byte of any supported signature
        return bytes;
    }

    public static byte[] pngSignatureThenGarbage() {
        byte[] bytes = garbage(200, 7);
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 0, bytes, 0, 8);
        return bytes;
    }

    public static byte[] text() {
        return "this is a text file, not an image\n".getBytes(StandardCharsets.UTF_8);
    }
}
