package dev.glimpse.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads little-endian float16/float32 C-order {@code .npy} files (what the golden script writes) as floats. */
final class NpyFloats {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'<f([24])'");

    private NpyFloats() {
    }

    static float[] read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int major = b.get(6);
        int headerLength = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8);
        int start = major == 1 ? 10 : 12;
        String header = new String(b.array(), start, headerLength, StandardCharsets.ISO_8859_1);
        Matcher m = DESCR.matcher(header);
        if (!m.find() || header.contains("'fortran_order': True")) {
            throw new IOException(file + ": expected little-endian float16/float32 in C order, header " + header);
        }
        int width = Integer.parseInt(m.group(1));
        b.position(start + headerLength);
        float[] out = new float[b.remaining() / width];
        for (int i = 0; i < out.length; i++) {
            out[i] = width == 4 ? b.getFloat() : halfToFloat(b.getShort());
        }
        return out;
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrives only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float v = mantissa / 16_777_216f; // mantissa * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
