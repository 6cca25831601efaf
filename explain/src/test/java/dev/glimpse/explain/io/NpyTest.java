package dev.glimpse.explain.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.explain.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @Test
    void shouldWriteVersion1HeaderPaddedTo64BytesWithShapeAndLittleEndianFloats() {
        // Given a 1x3x2x2 tensor
        float[] data = new float[12];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f - 1;
        }
        byte[] bytes = Npy.toBytes(new Tensor(new int[] {1, 3, 2, 2}, data));

        // Then the header is parsed by hand, independently of Npy.fromBytes
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        int headerLen = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + headerLen) % 64, "data must start at a multiple of 64");
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2, 2), }"), header);
        assertTrue(header.endsWith("\n"));
        ByteBuffer payload = ByteBuffer.wrap(bytes, 10 + headerLen, 48).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            assertEquals(v, payload.getFloat());
        }
    }

    @Test
    void shouldWriteOneDimensionalShapeWithTrailingComma() {
        String header = new String(Npy.toBytes(new Tensor(new int[] {3}, new float[3])), 10, 54, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (3,)"), header);
    }

    @Test
    void shouldReadBackWhatItWrote() {
        Tensor t = new Tensor(new int[] {2, 5}, new float[] {1, 2, 3, 4, 5, -6, 7.25f, 8, 9, Float.MIN_VALUE});
        assertEquals(t, Npy.fromBytes(Npy.toBytes(t)));
    }

    @Test
    void shouldRejectNonNpyBytesWithClearMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> Npy.fromBytes("hello world".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().contains("not an .npy file"), e.getMessage());
    }

    @Test
    void shouldRejectIntegerDtypeNamingIt() {
        byte[] b = Npy.toBytes(new Tensor(new int[] {1}, new float[1]));
        String s = new String(b, StandardCharsets.ISO_8859_1).replace("<f4", "<i4");
        var e = assertThrows(IllegalArgumentException.class, () -> Npy.fromBytes(s.getBytes(StandardCharsets.ISO_8859_1)));
        assertTrue(e.getMessage().contains("<i4"), e.getMessage());
    }

    @Test
    void shouldRoundTripThroughNumpyWhenAvailable(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3 with numpy for the cross-check");
        Tensor t = new Tensor(new int[] {2, 3}, new float[] {0.5f, -1, 2, 3, 4, 1e-3f});
        Path in = dir.resolve("in.npy");
        Path out = dir.resolve("out.npy");
        Npy.write(in, t);
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import numpy as np,sys; a=np.load(sys.argv[1]); assert a.dtype==np.float32 and a.shape==(2,3), (a.dtype,a.shape);"
                        + " np.save(sys.argv[2], (a*2).astype(np.float32))", in.toString(), out.toString())
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(done && !log.contains("No module named 'numpy'"), "numpy not importable: " + log);
        assertEquals(0, p.exitValue(), log);
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = t.data()[i] * 2;
        }
        Tensor back = Npy.read(out);
        assertArrayEquals(new int[] {2, 3}, back.shape());
        assertArrayEquals(expected, back.data());
    }
}
