package dev.glimpse.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    /** Writes an IDX file by hand, independently of the reader: magic, big-endian dims, body. */
    private static byte[] idx(int magic, int[] dims, byte[] body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(body);
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(content);
        }
        return p;
    }

    private static byte[] ramp(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7);
        }
        return b;
    }

    @Test
    void shouldReadGzipImagesAndLabelsIntoDataset() throws IOException {
        // Given 3 images of 2x4 pixels and their labels, gzip-compressed
        byte[] pixels = ramp(3 * 2 * 4);
        Path images = write("imgs.gz", idx(0x803, new int[]{3, 2, 4}, pixels), true);
        Path labels = write("lbls.gz", idx(0x801, new int[]{3}, new byte[]{2, 0, 1}), true);

        // When
        Dataset ds = FashionMnist.fromIdx("tiny", images, labels, List.of("a", "b", "c"));

        // Then shape, labels and pixel order (row-major per image) are kept
        assertEquals(3, ds.size());
        assertEquals(2, ds.height());
        assertEquals(4, ds.width());
        assertEquals(List.of(2, 0, 1), List.of(ds.get(0).label(), ds.get(1).label(), ds.get(2).label()));
        assertEquals((byte) (8 * 7 + 1 * 4 * 7 + 3 * 7), ds.get(1).pixels()[7]);
        assertEquals(pixels[8 + 4 + 3] & 0xff, ds.get(1).pixel(0, 1, 3));
    }

    @Test
    void shouldReadPlainUncompressedIdx() throws IOException {
        Path labels = write("plain", idx(0x801, new int[]{4}, new byte[]{9, 8, 7, 6}), false);
        IdxReader.IdxArray a = IdxReader.readLabels(labels);
        assertArrayEquals(new int[]{4}, a.dims());
        assertArrayEquals(new byte[]{9, 8, 7, 6}, a.data());
    }

    @Test
    void shouldRejectWrongMagicNamingBothNumbers() throws IOException {
        // Given a label file where an image file is expected
        Path labels = write("l.gz", idx(0x801, new int[]{2}, new byte[]{0, 1}), true);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(labels));
        assertTrue(e.getMessage().contains("0x00000801") && e.getMessage().contains("0x00000803"), e.getMessage());
    }

    @Test
    void shouldRejectTruncatedBody() throws IOException {
        Path images = write("t.gz", idx(0x803, new int[]{2, 3, 3}, ramp(10)), true);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(images));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("18"), e.getMessage());
    }

    @Test
    void shouldRejectTrailingBytes() throws IOException {
        Path labels = write("x", idx(0x801, new int[]{2}, new byte[]{0, 1, 5}), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(labels));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void shouldRejectTruncatedHeaderAndNonPositiveDimension() throws IOException {
        Path shortHeader = write("h", new byte[]{0, 0, 8, 3, 0, 0, 0, 1}, false);
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(shortHeader))
                .getMessage().contains("header truncated"));
        Path zeroDim = write("z", idx(0x803, new int[]{0, 2, 2}, new byte[0]), false);
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxReader.readImages(zeroDim))
                .getMessage().contains("dimension 0 is 0"));
        Path empty = write("e", new byte[]{0, 0}, false);
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(empty))
                .getMessage().contains("shorter than"));
    }

    @Test
    void shouldRejectImageAndLabelCountMismatchAndLabelOutsideClasses() throws IOException {
        Path images = write("i", idx(0x803, new int[]{2, 1, 1}, new byte[]{1, 2}), false);
        Path threeLabels = write("l3", idx(0x801, new int[]{3}, new byte[]{0, 1, 0}), false);
        IdxFormatException mismatch = assertThrows(IdxFormatException.class,
                () -> FashionMnist.fromIdx("t", images, threeLabels, List.of("a", "b")));
        assertTrue(mismatch.getMessage().contains("2 images") && mismatch.getMessage().contains("3 labels"));
        Path badLabel = write("lb", idx(0x801, new int[]{2}, new byte[]{0, 5}), false);
        IdxFormatException outside = assertThrows(IdxFormatException.class,
                () -> FashionMnist.fromIdx("t", images, badLabel, List.of("a", "b")));
        assertTrue(outside.getMessage().contains("label 5"), outside.getMessage());
    }

    @Test
    void shouldReportMissingFile() {
        assertThrows(java.io.FileNotFoundException.class, () -> IdxReader.readImages(dir.resolve("nope")));
    }
}
