package dev.glimpse.engine;

import dev.glimpse.engine.exec.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal .npy reader (little-endian float32 / int64 / float64, C order) for test reference data. */
public final class Npy {

    private Npy() {
    }

    public static Tensor read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        b.position(6);
        int major = b.get();
        b.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        byte[] h = new byte[headerLen];
        b.get(h);
        String header = new String(h, StandardCharsets.ISO_8859_1);
        Matcher d = Pattern.compile("'descr':\\s*'([^']+)'").matcher(header);
        Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
        if (!d.find() || !s.find() || header.contains("'fortran_order': True")) {
            throw new IOException("unsupported npy header in " + file + ": " + header);
        }
        String[] parts = s.group(1).split(",");
        long[] shape = java.util.Arrays.stream(parts).map(String::trim).filter(p -> !p.isEmpty()).mapToLong(Long::parseLong).toArray();
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        switch (d.group(1)) {
            case "<f4": {
                float[] f = new float[n];
                b.asFloatBuffer().get(f);
                return Tensor.of(f, shape);
            }
            case "<f8": {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) b.getDouble();
                }
                return Tensor.of(f, shape);
            }
            case "<i8": {
                long[] l = new long[n];
                b.asLongBuffer().get(l);
                return Tensor.ofLongs(l, shape);
            }
            default:
                throw new IOException("unsupported npy dtype " + d.group(1) + " in " + file);
        }
    }
}
