package dev.glimpse.datasets;

import java.io.FileNotFoundException;
import java.util.Arrays;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST container format), plain or gzip-compressed.
 *
 * <p>Header: two zero bytes, a type byte (0x08 = unsigned byte, the only type accepted here), a byte with the
 * number of dimensions, then one big-endian int32 per dimension; the body is the values in row-major order.
 * Images are 3-D (count, rows, cols, magic 0x00000803), labels 1-D (count, magic 0x00000801).
 */
public final class IdxReader {

    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    private static final long MAX_BODY_BYTES = Integer.MAX_VALUE - 8;

    /** The values of an IDX tensor of unsigned bytes with its dimensions. */
    public record IdxArray(int[] dims, byte[] data) {
        public int dim(int i) {
            return dims[i];
        }
    }

    private IdxReader() {
    }

    /** Reads a 3-D unsigned-byte IDX file (images: count x rows x cols). */
    public static IdxArray readImages(Path file) throws IOException {
        return read(file, IMAGES_MAGIC);
    }

    /** Reads a 1-D unsigned-byte IDX file (labels). */
    public static IdxArray readLabels(Path file) throws IOException {
        return read(file, LABELS_MAGIC);
    }

    public static IdxArray read(Path file, int expectedMagic) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException("IDX file not found: " + file);
        }
        try (InputStream in = open(file)) {
            return read(in, expectedMagic, file.toString());
        }
    }

    /** Reads from a stream that is already decompressed; {@code source} names it in error messages. */
    public static IdxArray read(InputStream raw, int expectedMagic, String source) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IdxFormatException(source + ": file is shorter than the 4-byte IDX magic number");
        }
        if (magic != expectedMagic) {
            throw new IdxFormatException(String.format(
                    "%s: bad IDX magic number 0x%08X, expected 0x%08X (%s)", source, magic, expectedMagic,
                    expectedMagic == IMAGES_MAGIC ? "unsigned-byte images, 3 dimensions"
                            : expectedMagic == LABELS_MAGIC ? "unsigned-byte labels, 1 dimension" : "IDX"));
        }
        int rank = magic & 0xff;
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = in.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(source + ": header truncated while reading dimension " + i + " of " + rank);
            }
            if (dims[i] <= 0) {
                throw new IdxFormatException(source + ": dimension " + i + " is " + dims[i] + ", must be positive");
            }
            total *= dims[i];
            if (total > MAX_BODY_BYTES) {
                throw new IdxFormatException(source + ": dimensions " + Arrays.toString(dims)
                        + " describe more than " + MAX_BODY_BYTES + " bytes");
            }
        }
        byte[] data = new byte[(int) total];
        int read = in.readNBytes(data, 0, data.length);
        if (read != data.length) {
            throw new IdxFormatException(source + ": truncated body: header " + Arrays.toString(dims)
                    + " promises " + data.length + " bytes but only " + read + " are present");
        }
        if (in.read() != -1) {
            throw new IdxFormatException(source + ": trailing bytes after the " + data.length
                    + " bytes promised by header " + Arrays.toString(dims));
        }
        return new IdxArray(dims, data);
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        // gzip magic 1f 8b; an IDX file starts with two zero bytes, so the two cannot be confused.
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }
}
