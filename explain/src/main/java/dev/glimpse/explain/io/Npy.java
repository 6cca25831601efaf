package dev.glimpse.explain.io;

import dev.glimpse.explain.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files, format version 1.0, float32 little-endian C order (what numpy.load expects and
 * what explanations are stored as). Reading also accepts float64 (converted) since numpy's default dtype is it.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static byte[] toBytes(Tensor t) {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < t.shape().length; i++) {
            shape.append(t.shape()[i]).append(t.shape().length == 1 ? "," : (i + 1 < t.shape().length ? ", " : ""));
        }
        shape.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        // magic(6) + version(2) + header length(2) + header; the total is padded to a multiple of 64 and ends in \n
        int unpadded = 10 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        buf.asFloatBuffer().put(t.data());
        return buf.array();
    }

    public static void write(Path file, Tensor t) throws IOException {
        Files.write(file, toBytes(t));
    }

    public static Tensor read(Path file) throws IOException {
        try {
            return fromBytes(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static Tensor fromBytes(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : MAGIC) {
            if (!buf.hasRemaining() || buf.get() != b) {
                throw new IllegalArgumentException("not an .npy file (magic \\x93NUMPY missing)");
            }
        }
        int major = buf.get();
        buf.get();
        int headerLength = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        if (major < 1 || major > 3) {
            throw new IllegalArgumentException("unsupported .npy version " + major);
        }
        String header = new String(bytes, buf.position(), headerLength, StandardCharsets.ISO_8859_1);
        buf.position(buf.position() + headerLength);
        String descr = group(DESCR, header, "descr");
        if ("True".equals(group(FORTRAN, header, "fortran_order"))) {
            throw new IllegalArgumentException("fortran_order=True arrays are not supported; save with np.ascontiguousarray");
        }
        List<Integer> dims = new ArrayList<>();
        for (String part : group(SHAPE, header, "shape").split(",")) {
            if (!part.isBlank()) {
                dims.add(Integer.parseInt(part.trim()));
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] data = new float[Math.toIntExact(n)];
        switch (descr) {
            case "<f4" -> requireRemaining(buf, 4 * n).asFloatBuffer().get(data);
            case "<f8" -> {
                var doubles = requireRemaining(buf, 8 * n).asDoubleBuffer();
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) doubles.get();
                }
            }
            default -> throw new IllegalArgumentException("dtype '" + descr + "' is not supported; expected float32 ('<f4')");
        }
        return new Tensor(shape, data);
    }

    private static ByteBuffer requireRemaining(ByteBuffer buf, long bytes) {
        if (buf.remaining() < bytes) {
            throw new IllegalArgumentException("truncated .npy data: need " + bytes + " bytes, have " + buf.remaining());
        }
        return buf.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String group(Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException("npy header lacks '" + key + "': " + header.trim());
        }
        return m.group(1);
    }
}
