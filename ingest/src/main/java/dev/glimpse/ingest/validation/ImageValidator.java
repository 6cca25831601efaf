package dev.glimpse.ingest.validation;

import java.awt.image.IndexColorModel;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import static dev.glimpse.platform.kafka.DeadLetterReason.EMPTY;
import static dev.glimpse.platform.kafka.DeadLetterReason.TOO_MANY_BYTES;
import static dev.glimpse.platform.kafka.DeadLetterReason.TOO_MANY_PIXELS;
import static dev.glimpse.platform.kafka.DeadLetterReason.TRUNCATED;
import static dev.glimpse.platform.kafka.DeadLetterReason.UNDECODABLE;
import static dev.glimpse.platform.kafka.DeadLetterReason.UNSUPPORTED_FORMAT;
import static dev.glimpse.platform.kafka.DeadLetterReason.WRONG_CHANNELS;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Set;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decides whether a payload is an image the pipeline accepts, reading the header before any pixel is decoded:
 * empty → byte limit → signature → header (size, colour model) → pixel limit → structure (PNG chunks and CRCs,
 * JPEG end marker) → optional full decode. The order matters: a 50,000×50,000 header is refused without
 * allocating its pixels. Without the decode check (ingest's default) the cost is linear in the payload's bytes,
 * whatever its header declares: the pixels are decoded once, by the inference worker, which dead-letters corrupt
 * pixel data ({@code undecodable}).
 *
 * <p>Accepted colour models: 8-bit gray, gray+alpha, RGB, RGBA and palette PNG; 8-bit JPEG with 1 (gray) or
 * 3 (YCbCr/RGB) components. Refused as {@code wrong-channels}: 16-bit PNG, CMYK/YCCK (4-component) JPEG,
 * 12-bit JPEG, and any colour mode not listed in {@code acceptedColorModes}.
 */
public final class ImageValidator {

    /** Colour modes accepted when none are configured. */
    public static final Set<String> ALL_COLOR_MODES = Set.of("gray", "gray-alpha", "rgb", "rgba", "indexed");

    private final long maxBytes;
    private final long maxPixels;
    private final Set<ImageFormat> formats;
    private final Set<String> acceptedColorModes;
    private final boolean decodeCheck;

    public ImageValidator(long maxBytes, long maxPixels, Set<ImageFormat> formats, Set<String> acceptedColorModes,
                          boolean decodeCheck) {
        if (maxBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("limits must be positive: maxBytes=" + maxBytes + ", maxPixels=" + maxPixels);
        }
        for (String mode : acceptedColorModes) {
            if (!ALL_COLOR_MODES.contains(mode)) {
                throw new IllegalArgumentException("unknown colour mode '" + mode + "', known: " + ALL_COLOR_MODES);
            }
        }
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
        this.formats = formats.isEmpty() ? EnumSet.noneOf(ImageFormat.class) : EnumSet.copyOf(formats);
        this.acceptedColorModes = Set.copyOf(acceptedColorModes);
        this.decodeCheck = decodeCheck;
    }

    /** PNG and JPEG, every colour mode, 8 MiB, 16 megapixels, header and structure only (no decode). */
    public static ImageValidator defaults() {
        return new ImageValidator(8L << 20, 16L << 20, EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG), ALL_COLOR_MODES, false);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public ValidationResult validate(byte[] data) {
        if (data == null || data.length == 0) {
            return ValidationResult.reject(EMPTY, "the payload has zero bytes");
        }
        if (data.length > maxBytes) {
            return ValidationResult.reject(TOO_MANY_BYTES, data.length + " bytes exceed the limit of " + maxBytes);
        }
        ImageFormat format = ImageFormat.sniff(data);
        if (format == null) {
            return ValidationResult.reject(UNSUPPORTED_FORMAT, "not a recognised image: the first bytes are "
                    + hexPrefix(data) + " (accepted: " + formatNames() + ")");
        }
        if (!formats.contains(format)) {
            return ValidationResult.reject(UNSUPPORTED_FORMAT, format.code().toUpperCase() + " is not accepted (accepted: "
                    + formatNames() + ")");
        }
        try {
            HeaderResult header = switch (format) {
                case PNG -> PngHeader.read(data);
                case JPEG -> JpegHeader.read(data);
                default -> readWithImageIo(format, data);
            };
            if (header.rejection() != null) {
                return header.rejection();
            }
            ImageInfo info = header.info();
            if (info.width() <= 0 || info.height() <= 0) {
                return ValidationResult.reject(UNDECODABLE, "the header declares an empty image " + info.width() + "x" + info.height());
            }
            if (info.pixels() > maxPixels) {
                return ValidationResult.reject(TOO_MANY_PIXELS, info.width() + "x" + info.height() + " = " + info.pixels()
                        + " pixels exceed the limit of " + maxPixels);
            }
            // Depth and colour model are judged after the pixel limit, so a bomb is always reported as one.
            if (info.bitsPerSample() > 8) {
                return ValidationResult.reject(WRONG_CHANNELS, info.bitsPerSample() + " bits per sample ("
                        + info.colorMode() + "); the pipeline takes 8-bit images");
            }
            if (!acceptedColorModes.contains(info.colorMode())) {
                String what = info.colorMode().equals("cmyk") ? "CMYK/YCCK (4-component " + info.format().code() + ")"
                        : info.colorMode() + " (" + info.channels() + " channels)";
                return ValidationResult.reject(WRONG_CHANNELS, "colour mode " + what + " is not accepted (accepted: "
                        + String.join(", ", acceptedColorModes.stream().sorted().toList()) + ")");
            }
            ValidationResult structure = switch (format) {
                case PNG -> PngHeader.checkChunks(data);
                case JPEG -> JpegHeader.checkEnd(data);
                default -> null;
            };
            if (structure != null) {
                return structure;
            }
            if (decodeCheck) {
                // Non-interlaced PNG: inflating the pixel stream is the whole integrity check and ~10x cheaper
                // than an ImageIO decode; everything else is decoded by ImageIO.
                ValidationResult decoded = format == ImageFormat.PNG && !PngHeader.interlaced(data)
                        ? PngHeader.checkPixelData(data, info) : decode(data, info);
                if (decoded != null) {
                    return decoded;
                }
            }
            return new ValidationResult.Accepted(info);
        } catch (RuntimeException e) {
            // A parser bug must not take the service down: the payload is what we could not understand.
            return ValidationResult.reject(UNDECODABLE, "cannot read the " + format.code() + " header: " + e);
        }
    }

    private String formatNames() {
        return String.join(", ", formats.stream().map(ImageFormat::code).toList());
    }

    /** Decodes the pixels (limits already checked) to catch corrupt compressed data. */
    private static ValidationResult decode(byte[] data, ImageInfo info) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(data));
            if (image == null) {
                return ValidationResult.reject(UNDECODABLE, "no decoder accepted the " + info.format().code() + " data");
            }
            if (image.getWidth() != info.width() || image.getHeight() != info.height()) {
                return ValidationResult.reject(UNDECODABLE, "decoded size " + image.getWidth() + "x" + image.getHeight()
                        + " differs from the header's " + info.width() + "x" + info.height());
            }
            return null;
        } catch (EOFException e) {
            return ValidationResult.reject(TRUNCATED, "the image data ends early: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("end of") || message.contains("EOF")) {
                return ValidationResult.reject(TRUNCATED, "the image data ends early: " + message);
            }
            return ValidationResult.reject(UNDECODABLE, "cannot decode the " + info.format().code() + " data: " + message);
        }
    }

    /** GIF, BMP, TIFF, WebP (when configured): size from the ImageIO reader's header, without decoding. */
    private static HeaderResult readWithImageIo(ImageFormat format, byte[] data) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return HeaderResult.rejected(ValidationResult.reject(UNSUPPORTED_FORMAT,
                        "no decoder for " + format.code() + " is installed"));
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                var type = reader.getRawImageType(0);
                int bands = type == null ? 3 : type.getNumBands();
                boolean palette = type != null && type.getColorModel() instanceof IndexColorModel;
                String mode = palette ? "indexed" : switch (bands) {
                    case 1 -> "gray";
                    case 2 -> "gray-alpha";
                    case 4 -> "rgba";
                    default -> "rgb";
                };
                return HeaderResult.ok(new ImageInfo(format, width, height, palette ? 3 : bands, 8, mode));
            } finally {
                reader.dispose();
            }
        } catch (EOFException e) {
            return HeaderResult.rejected(ValidationResult.reject(TRUNCATED, "the " + format.code() + " header ends early"));
        } catch (IOException e) {
            return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE, "cannot read the " + format.code()
                    + " header: " + e.getMessage()));
        }
    }

    static String hexPrefix(byte[] data) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, data.length); i++) {
            sb.append(String.format("%02x", data[i] & 0xFF));
        }
        return sb.toString();
    }

    /** Header facts or an early rejection. */
    record HeaderResult(ImageInfo info, ValidationResult.Rejected rejection) {
        static HeaderResult ok(ImageInfo info) {
            return new HeaderResult(info, null);
        }

        static HeaderResult rejected(ValidationResult rejection) {
            return new HeaderResult(null, (ValidationResult.Rejected) rejection);
        }
    }

    /** PNG: IHDR right after the signature; chunks are length, type, data, CRC-32 of type+data. */
    static final class PngHeader {
        private static final int SIGNATURE = 8;

        static HeaderResult read(byte[] d) {
            if (d.length < SIGNATURE + 8 + 13 + 4) {
                return HeaderResult.rejected(ValidationResult.reject(TRUNCATED,
                        "the PNG ends inside its header (" + d.length + " bytes)"));
            }
            long length = u32(d, SIGNATURE);
            String type = new String(d, SIGNATURE + 4, 4, StandardCharsets.ISO_8859_1);
            if (!type.equals("IHDR") || length != 13) {
                return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE,
                        "the first PNG chunk is '" + printable(type) + "' of " + length + " bytes, not IHDR of 13"));
            }
            if (!crcMatches(d, SIGNATURE, 13)) {
                return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE, "the PNG IHDR chunk fails its CRC check"));
            }
            long width = u32(d, SIGNATURE + 8);
            long height = u32(d, SIGNATURE + 12);
            int bitDepth = d[SIGNATURE + 16] & 0xFF;
            int colorType = d[SIGNATURE + 17] & 0xFF;
            if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
                return HeaderResult.rejected(ValidationResult.reject(TOO_MANY_PIXELS,
                        "the PNG header declares " + width + "x" + height));
            }
            String mode;
            int channels;
            switch (colorType) {
                case 0 -> { mode = "gray"; channels = 1; }
                case 2 -> { mode = "rgb"; channels = 3; }
                case 3 -> { mode = "indexed"; channels = 3; }
                case 4 -> { mode = "gray-alpha"; channels = 2; }
                case 6 -> { mode = "rgba"; channels = 4; }
                default -> {
                    return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE, "PNG colour type " + colorType + " does not exist"));
                }
            }
            ImageInfo info = new ImageInfo(ImageFormat.PNG, (int) width, (int) height, channels, bitDepth, mode);
            return HeaderResult.ok(info);
        }

        static boolean interlaced(byte[] d) {
            return d[SIGNATURE + 8 + 12] != 0;
        }

        /**
         * Inflates the concatenated IDAT data (chunks already checked) and verifies that it holds exactly
         * height rows of 1 filter byte + the row's bytes, each filter byte a known filter (0-4).
         * Memory stays constant: output goes through a small scratch buffer.
         */
        static ValidationResult checkPixelData(byte[] d, ImageInfo info) {
            int samples = switch (info.colorMode()) {
                case "gray", "indexed" -> 1;
                case "gray-alpha" -> 2;
                case "rgb" -> 3;
                default -> 4;
            };
            long rowBytes = ((long) info.width() * samples * info.bitsPerSample() + 7) / 8;
            long stride = rowBytes + 1;
            long expected = stride * info.height();
            Inflater inflater = new Inflater();
            byte[] scratch = new byte[64 * 1024];
            long total = 0;
            try {
                int pos = SIGNATURE;
                while (pos + 8 <= d.length) {
                    int length = (int) u32(d, pos);
                    String type = new String(d, pos + 4, 4, StandardCharsets.ISO_8859_1);
                    if (type.equals("IDAT")) {
                        inflater.setInput(d, pos + 8, length);
                        while (!inflater.needsInput() && !inflater.finished()) {
                            int n = inflater.inflate(scratch);
                            if (n == 0 && inflater.needsDictionary()) {
                                return ValidationResult.reject(UNDECODABLE, "the PNG pixel data needs a preset dictionary");
                            }
                            for (long row = (total + stride - 1) / stride * stride; row < total + n; row += stride) {
                                int filter = scratch[(int) (row - total)] & 0xFF;
                                if (filter > 4) {
                                    return ValidationResult.reject(UNDECODABLE, "PNG row " + row / stride
                                            + " has unknown filter type " + filter);
                                }
                            }
                            total += n;
                            if (total > expected) {
                                return ValidationResult.reject(UNDECODABLE, "the PNG pixel data is longer than "
                                        + info.width() + "x" + info.height() + " implies");
                            }
                        }
                    } else if (type.equals("IEND")) {
                        break;
                    }
                    pos += 12 + length;
                }
                if (!inflater.finished() || total != expected) {
                    return ValidationResult.reject(UNDECODABLE, "the PNG pixel data holds " + total + " bytes, "
                            + info.width() + "x" + info.height() + " " + info.colorMode() + " needs " + expected);
                }
                return null;
            } catch (DataFormatException e) {
                return ValidationResult.reject(UNDECODABLE, "the PNG pixel data is not a valid zlib stream: " + e.getMessage());
            } finally {
                inflater.end();
            }
        }

        /** Walks every chunk: lengths in bounds, CRCs right, and IEND present. No decompression. */
        static ValidationResult checkChunks(byte[] d) {
            int pos = SIGNATURE;
            boolean sawData = false;
            while (true) {
                if (pos + 8 > d.length) {
                    return ValidationResult.reject(TRUNCATED, "the PNG ends after " + d.length + " bytes without an IEND chunk");
                }
                long length = u32(d, pos);
                String type = new String(d, pos + 4, 4, StandardCharsets.ISO_8859_1);
                if (length > Integer.MAX_VALUE || pos + 12L + length > d.length) {
                    return ValidationResult.reject(TRUNCATED, "the PNG ends inside its " + printable(type) + " chunk ("
                            + length + " bytes declared at offset " + pos + ", " + d.length + " bytes in total)");
                }
                if (!crcMatches(d, pos, (int) length)) {
                    return ValidationResult.reject(UNDECODABLE, "the PNG " + printable(type) + " chunk at offset " + pos
                            + " fails its CRC check");
                }
                sawData |= type.equals("IDAT");
                if (type.equals("IEND")) {
                    return sawData ? null : ValidationResult.reject(UNDECODABLE, "the PNG has no IDAT (pixel data) chunk");
                }
                pos += 12 + (int) length;
            }
        }

        private static boolean crcMatches(byte[] d, int chunkStart, int length) {
            CRC32 crc = new CRC32();
            crc.update(d, chunkStart + 4, 4 + length);
            return crc.getValue() == u32(d, chunkStart + 8 + length);
        }

        private static long u32(byte[] d, int at) {
            return ((long) (d[at] & 0xFF) << 24) | ((d[at + 1] & 0xFF) << 16) | ((d[at + 2] & 0xFF) << 8) | (d[at + 3] & 0xFF);
        }

        private static String printable(String type) {
            return type.chars().allMatch(c -> c >= 'A' && c <= 'z') ? type : "?";
        }
    }

    /** JPEG: markers after SOI up to the first SOF give precision, size and components. */
    static final class JpegHeader {

        static HeaderResult read(byte[] d) {
            int pos = 2;
            while (true) {
                // Skip fill bytes (0xFF padding) before a marker.
                while (pos < d.length && (d[pos] & 0xFF) == 0xFF && pos + 1 < d.length && (d[pos + 1] & 0xFF) == 0xFF) {
                    pos++;
                }
                if (pos + 4 > d.length) {
                    return HeaderResult.rejected(ValidationResult.reject(TRUNCATED,
                            "the JPEG ends after " + d.length + " bytes, before its frame header (SOF)"));
                }
                if ((d[pos] & 0xFF) != 0xFF) {
                    return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE,
                            "expected a JPEG marker at offset " + pos + " but found 0x" + String.format("%02x", d[pos] & 0xFF)));
                }
                int marker = d[pos + 1] & 0xFF;
                int length = ((d[pos + 2] & 0xFF) << 8) | (d[pos + 3] & 0xFF);
                if (marker == 0xDA || marker == 0xD9) {
                    return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE, "the JPEG has no frame header (SOF) before its scan"));
                }
                if (isStartOfFrame(marker)) {
                    if (pos + 2 + 8 > d.length) {
                        return HeaderResult.rejected(ValidationResult.reject(TRUNCATED, "the JPEG ends inside its frame header"));
                    }
                    int precision = d[pos + 4] & 0xFF;
                    int height = ((d[pos + 5] & 0xFF) << 8) | (d[pos + 6] & 0xFF);
                    int width = ((d[pos + 7] & 0xFF) << 8) | (d[pos + 8] & 0xFF);
                    int components = d[pos + 9] & 0xFF;
                    String mode = switch (components) {
                        case 1 -> "gray";
                        case 3 -> "rgb";
                        case 4 -> "cmyk";
                        default -> "components-" + components;
                    };
                    ImageInfo info = new ImageInfo(ImageFormat.JPEG, width, height, components, precision, mode);
                    return HeaderResult.ok(info);
                }
                if (length < 2) {
                    return HeaderResult.rejected(ValidationResult.reject(UNDECODABLE, "JPEG segment 0x"
                            + Integer.toHexString(marker) + " has an impossible length " + length));
                }
                pos += 2 + length;
            }
        }

        private static boolean isStartOfFrame(int marker) {
            return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        }

        /**
         * A complete JPEG has an end marker (0xFFD9) after its first scan. Entropy-coded data cannot contain 0xFFD9
         * (0xFF is stuffed as 0xFF00; restart markers are 0xFFD0-D7), and the EOI of an EXIF thumbnail lies inside
         * an APP segment that the marker walk skips; so any 0xFFD9 after the first SOS ends the image, and data
         * after it (camera trailers) is tolerated.
         */
        static ValidationResult checkEnd(byte[] d) {
            int pos = 2;
            while (true) {
                while (pos + 1 < d.length && (d[pos] & 0xFF) == 0xFF && (d[pos + 1] & 0xFF) == 0xFF) {
                    pos++;
                }
                if (pos + 4 > d.length) {
                    return ValidationResult.reject(TRUNCATED, "the JPEG ends after " + d.length + " bytes, before its scan");
                }
                int marker = d[pos + 1] & 0xFF;
                int length = ((d[pos + 2] & 0xFF) << 8) | (d[pos + 3] & 0xFF);
                if ((d[pos] & 0xFF) != 0xFF || length < 2) {
                    return ValidationResult.reject(UNDECODABLE, "malformed JPEG segment at offset " + pos);
                }
                pos += 2 + length;
                if (marker == 0xDA) {
                    break;
                }
            }
            for (int i = pos; i + 1 < d.length; i++) {
                if ((d[i] & 0xFF) == 0xFF && (d[i + 1] & 0xFF) == 0xD9) {
                    return null;
                }
            }
            return ValidationResult.reject(TRUNCATED, "the JPEG ends after " + d.length + " bytes without its end marker (EOI)");
        }
    }
}
