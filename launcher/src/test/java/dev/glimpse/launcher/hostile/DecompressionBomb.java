package dev.glimpse.launcher.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A real PNG decompression bomb: a valid 8-bit gray IHDR of the given size and an IDAT holding the whole deflated
 * image (every row: filter byte 0 and zero pixels), so a decoder that trusted it would inflate width × height bytes.
 * 46000 × 46000 is 2.1 GB of pixels in about 2 MB.
 */
final class DecompressionBomb {

    private DecompressionBomb() {
    }

    static byte[] png(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", zeros((long) height * (width + 1L)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** zlib stream of {@code n} zero bytes. */
    private static byte[] zeros(long n) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] in = new byte[1 << 20];
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long left = n; left > 0; ) {
            int len = (int) Math.min(in.length, left);
            deflater.setInput(in, 0, len);
            left -= len;
            while (!deflater.needsInput()) {
                int k = deflater.deflate(buf);
                out.write(buf, 0, k);
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            int k = deflater.deflate(buf);
            out.write(buf, 0, k);
        }
        deflater.end();
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
