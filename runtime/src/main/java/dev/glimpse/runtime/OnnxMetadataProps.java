package dev.glimpse.runtime;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads only the {@code metadata_props} of an ONNX file (ModelProto field 14, StringStringEntryProto key = 1,
 * value = 2) from the protobuf wire format, skipping the graph without parsing it: checking a model's contract
 * must not cost loading its weights.
 */
final class OnnxMetadataProps {

    private static final int METADATA_PROPS = 14;

    private OnnxMetadataProps() {
    }

    static Map<String, String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("model " + file + " is not a readable file");
        }
        Map<String, String> props = new LinkedHashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            long tag;
            while ((tag = varint(in, true)) >= 0) {
                int field = (int) (tag >>> 3);
                int wire = (int) (tag & 7);
                if (field == METADATA_PROPS && wire == 2) {
                    entry(readBytes(in, varint(in, false)), props);
                } else {
                    skip(in, wire);
                }
            }
        } catch (IllegalStateException e) {
            throw new IOException("model " + file + " is not an ONNX model: " + e.getMessage(), e);
        }
        return props;
    }

    private static void entry(byte[] b, Map<String, String> props) throws IOException {
        InputStream in = new java.io.ByteArrayInputStream(b);
        String key = null;
        String value = "";
        long tag;
        while ((tag = varint(in, true)) >= 0) {
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if ((field == 1 || field == 2) && wire == 2) {
                String s = new String(readBytes(in, varint(in, false)), StandardCharsets.UTF_8);
                if (field == 1) {
                    key = s;
                } else {
                    value = s;
                }
            } else {
                skip(in, wire);
            }
        }
        if (key != null) {
            props.put(key, value);
        }
    }

    private static void skip(InputStream in, int wire) throws IOException {
        switch (wire) {
            case 0 -> varint(in, false);
            case 1 -> skipFully(in, 8);
            case 2 -> skipFully(in, varint(in, false));
            case 5 -> skipFully(in, 4);
            default -> throw new IllegalStateException("unsupported protobuf wire type " + wire);
        }
    }

    /** A varint, or -1 at a clean end of stream when {@code endAllowed}. */
    private static long varint(InputStream in, boolean endAllowed) throws IOException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.read();
            if (b < 0) {
                if (shift == 0 && endAllowed) {
                    return -1;
                }
                throw new IllegalStateException("truncated varint");
            }
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalStateException("malformed varint");
    }

    private static byte[] readBytes(InputStream in, long n) throws IOException {
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("length " + n + " out of range");
        }
        byte[] b = in.readNBytes((int) n);
        if (b.length != n) {
            throw new IllegalStateException("truncated field");
        }
        return b;
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        if (n < 0) {
            throw new IllegalStateException("negative length");
        }
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IllegalStateException("truncated field", new EOFException());
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }
}
