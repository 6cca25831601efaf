package dev.glimpse.ingest.validation;

import java.util.Locale;

/** Image container formats recognised by their signature (magic bytes). */
public enum ImageFormat {
    PNG("png", "image/png"),
    JPEG("jpeg", "image/jpeg"),
    GIF("gif", "image/gif"),
    BMP("bmp", "image/bmp"),
    TIFF("tiff", "image/tiff"),
    WEBP("webp", "image/webp");

    private final String code;
    private final String contentType;

    ImageFormat(String code, String contentType) {
        this.code = code;
        this.contentType = contentType;
    }

    public String code() {
        return code;
    }

    public String contentType() {
        return contentType;
    }

    public static ImageFormat fromCode(String code) {
        String c = code.trim().toLowerCase(Locale.ROOT);
        if (c.equals("jpg")) {
            return JPEG;
        }
        for (ImageFormat f : values()) {
            if (f.code.equals(c)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown image format '" + code + "'");
    }

    /** The format whose signature starts {@code data}, or {@code null} when none does. */
    public static ImageFormat sniff(byte[] data) {
        if (startsWith(data, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (startsWith(data, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (startsWith(data, 'G', 'I', 'F', '8')) {
            return GIF;
        }
        if (startsWith(data, 'B', 'M')) {
            return BMP;
        }
        if (startsWith(data, 'I', 'I', 0x2A, 0x00) || startsWith(data, 'M', 'M', 0x00, 0x2A)) {
            return TIFF;
        }
        if (startsWith(data, 'R', 'I', 'F', 'F') && data.length >= 12 && data[8] == 'W' && data[9] == 'E'
                && data[10] == 'B' && data[11] == 'P') {
            return WEBP;
        }
        return null;
    }

    private static boolean startsWith(byte[] data, int... signature) {
        if (data.length < signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if ((data[i] & 0xFF) != signature[i]) {
                return false;
            }
        }
        return true;
    }
}
