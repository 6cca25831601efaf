package dev.glimpse.ingest.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds multipart/form-data bodies for tests. */
final class Multipart {
    static final String BOUNDARY = "----glimpse-test-boundary-7MA4YWxk";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static String contentType() {
        return "multipart/form-data; boundary=" + BOUNDARY;
    }

    Multipart field(String name, String value) {
        write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
        return this;
    }

    Multipart file(String name, String filename, String contentType, byte[] data) {
        write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
        out.writeBytes(data);
        write("\r\n");
        return this;
    }

    byte[] build() {
        write("--" + BOUNDARY + "--\r\n");
        return out.toByteArray();
    }

    private void write(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
