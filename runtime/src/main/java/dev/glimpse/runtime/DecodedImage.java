package dev.glimpse.runtime;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An image as 8-bit pixels the way PIL holds it after {@code Image.open}: 1 channel (gray, PIL mode {@code L}) or
 * 3 (R,G,B), row-major, interleaved. The one image decoder of Glimpse ({@link #decode}) produces it: the size is
 * read from the header and checked against a pixel limit before any pixel is decoded; alpha is dropped (as
 * {@code Image.convert('RGB')} drops it, without compositing); palette images are looked up; colour profiles
 * and EXIF orientation are ignored (as PIL and torchvision do); 16-bit samples keep their high byte;
 * CMYK/YCCK images are refused.
 */
public record DecodedImage(int width, int height, int channels, byte[] pixels) {

    public DecodedImage {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if ((long) width * height * channels != pixels.length) {
            throw new IllegalArgumentException(width + "x" + height + "x" + channels + " needs "
                    + ((long) width * height * channels) + " bytes, got " + pixels.length);
        }
    }

    /**
     * Decodes PNG, JPEG, GIF or BMP bytes (whatever ImageIO reads), refusing more than {@code maxPixels} from the
     * header (no byte limit: for files the user names, e.g. {@code ./glimpse explain --input}).
     *
     * @throws PreprocessingException reason {@code empty}, {@code undecodable}, {@code too-many-pixels} or
     *                                {@code wrong-channels} (CMYK/YCCK and other colour spaces)
     */
    public static DecodedImage decode(byte[] encoded, long maxPixels) {
        return decode(encoded, new ImageLimits(Long.MAX_VALUE, maxPixels));
    }

    /**
     * Decodes PNG, JPEG, GIF or BMP bytes (the first frame only), refusing them before any pixel is decoded when
     * they exceed {@code limits} (bytes, then width × height from the header). Every failure, including a decoder
     * running out of memory, is a {@link PreprocessingException} carrying a dead-letter reason: nothing else
     * escapes, so a stream stage can dead-letter the record and go on.
     *
     * @throws PreprocessingException reason {@code empty}, {@code too-many-bytes}, {@code too-many-pixels},
     *                                {@code undecodable} or {@code wrong-channels}
     */
    public static DecodedImage decode(byte[] encoded, ImageLimits limits) {
        return read(encoded, limits, 0);
    }

    /**
     * Decodes every {@code s}-th pixel of every {@code s}-th row, {@code s} the smallest step that makes the longer
     * side at most {@code maxSide}: bounded memory and time for what needs only statistics of an image (brightness,
     * contrast), whatever its size. An image no larger than {@code maxSide} a side is decoded whole, exactly as
     * {@link #decode(byte[], ImageLimits)} does.
     *
     * @throws PreprocessingException as {@link #decode(byte[], ImageLimits)}
     */
    public static DecodedImage decodeSubsampled(byte[] encoded, ImageLimits limits, int maxSide) {
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be >= 1, got " + maxSide);
        }
        return read(encoded, limits, maxSide);
    }

    /**
     * The format and size an image's header declares, checked against {@code limits}, without decoding a pixel.
     *
     * @throws PreprocessingException reason {@code empty}, {@code too-many-bytes}, {@code too-many-pixels} or
     *                                {@code undecodable} (no reader recognises the bytes, or the header is broken)
     */
    public static ImageHeader header(byte[] encoded, ImageLimits limits) {
        return withReader(encoded, limits, (reader, header) -> header);
    }

    private static DecodedImage read(byte[] encoded, ImageLimits limits, int maxSide) {
        if (jpegComponents(encoded == null ? new byte[0] : encoded) == 4) {
            throw new PreprocessingException("wrong-channels",
                    "CMYK/YCCK JPEG (4 colour components) is not supported: convert the image to RGB");
        }
        return withReader(encoded, limits, (reader, header) -> {
            ImageReadParam param = reader.getDefaultReadParam();
            int step = maxSide == 0 ? 1
                    : (int) Math.max(1, (Math.max(header.width(), header.height()) + maxSide - 1) / maxSide);
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            return of(reader.read(0, param));
        });
    }

    private interface ReaderAction<T> {
        T apply(ImageReader reader, ImageHeader header) throws IOException;
    }

    /** Opens a reader on the bytes, checks the limits from the header, runs {@code action}; maps every failure. */
    private static <T> T withReader(byte[] encoded, ImageLimits limits, ReaderAction<T> action) {
        if (encoded == null || encoded.length == 0) {
            throw new PreprocessingException("empty", "the image has no bytes");
        }
        limits.checkBytes(encoded.length);
        // A memory-cached stream: ImageIO.read(InputStream) would buffer through a temporary file per image.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new PreprocessingException("undecodable", "no image reader recognises these " + encoded.length + " bytes");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                ImageHeader header = new ImageHeader(reader.getFormatName().toLowerCase(java.util.Locale.ROOT),
                        reader.getWidth(0), reader.getHeight(0));
                checkPixels(header.width(), header.height(), limits.maxPixels());
                return action.apply(reader, header);
            } finally {
                reader.dispose();
            }
        } catch (PreprocessingException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PreprocessingException("undecodable", "the image could not be decoded: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            // the limits make this unlikely (a decoder's own buffers for a legal size); the failed allocation is
            // garbage already, so the stage can dead-letter the record and go on instead of dying or looping
            throw new PreprocessingException("too-many-pixels", "decoding the image needed more memory than is free: "
                    + e.getMessage());
        }
    }

    /**
     * The pixels of a decoded image, read from its raster (never through {@code getRGB}, which would apply colour
     * profiles and gamma conversions PIL does not apply).
     *
     * @throws PreprocessingException reason {@code wrong-channels} for colour spaces other than gray and RGB
     */
    public static DecodedImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        checkPixels(w, h, Long.MAX_VALUE);
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        if (cm instanceof IndexColorModel palette) {
            boolean gray = isGrayPalette(palette);
            byte[] px = new byte[w * h * (gray ? 1 : 3)];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int i = row[x * bands];
                    if (gray) {
                        px[y * w + x] = (byte) palette.getRed(i);
                    } else {
                        int o = (y * w + x) * 3;
                        px[o] = (byte) palette.getRed(i);
                        px[o + 1] = (byte) palette.getGreen(i);
                        px[o + 2] = (byte) palette.getBlue(i);
                    }
                }
            }
            return new DecodedImage(w, h, gray ? 1 : 3, px);
        }
        int type = cm.getColorSpace().getType();
        int channels = switch (type) {
            case ColorSpace.TYPE_GRAY -> 1;
            case ColorSpace.TYPE_RGB -> 3;
            default -> throw new PreprocessingException("wrong-channels", "images in colour space "
                    + colourSpaceName(type) + " are not supported: convert the image to RGB");
        };
        int[] shift = new int[channels];
        int[] max = new int[channels];
        for (int c = 0; c < channels; c++) {
            int bits = cm.getComponentSize(c);
            shift[c] = Math.max(0, bits - 8);
            max[c] = bits < 8 ? (1 << bits) - 1 : 0;
        }
        byte[] px = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < channels; c++) {
                    int v = row[x * bands + c];
                    // fewer than 8 bits: spread over 0..255 as PIL's L;1, L;2, L;4 unpackers do
                    px[(y * w + x) * channels + c] = (byte) (max[c] > 0 ? v * 255 / max[c] : v >> shift[c]);
                }
            }
        }
        return new DecodedImage(w, h, channels, px);
    }

    /**
     * Raw interleaved 8-bit pixels with 1 (gray), 3 (R,G,B) or 4 (R,G,B,A; alpha dropped) channels.
     *
     * @throws PreprocessingException reason {@code wrong-channels} when the channel count or length is off
     */
    public static DecodedImage ofPixels(byte[] pixels, int width, int height, int pixelChannels) {
        checkPixels(width, height, Long.MAX_VALUE);
        if (pixelChannels != 1 && pixelChannels != 3 && pixelChannels != 4) {
            throw new PreprocessingException("wrong-channels", "pixels must have 1, 3 or 4 channels, got " + pixelChannels);
        }
        if ((long) width * height * pixelChannels != pixels.length) {
            throw new PreprocessingException("wrong-channels", "expected " + width + "x" + height + "x" + pixelChannels
                    + " = " + ((long) width * height * pixelChannels) + " bytes, got " + pixels.length);
        }
        if (pixelChannels != 4) {
            return new DecodedImage(width, height, pixelChannels, pixels.clone());
        }
        byte[] rgb = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++) {
            System.arraycopy(pixels, p * 4, rgb, p * 3, 3);
        }
        return new DecodedImage(width, height, 3, rgb);
    }

    /** PIL {@code convert('L')}: ITU-R 601-2 luma in 16-bit fixed point, {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}. */
    public DecodedImage toGray() {
        if (channels == 1) {
            return this;
        }
        byte[] gray = new byte[width * height];
        for (int p = 0; p < gray.length; p++) {
            int r = pixels[p * 3] & 0xff;
            int g = pixels[p * 3 + 1] & 0xff;
            int b = pixels[p * 3 + 2] & 0xff;
            gray[p] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return new DecodedImage(width, height, 1, gray);
    }

    /** The pixels; a copy. */
    @Override
    public byte[] pixels() {
        return pixels.clone();
    }

    /** The pixel array itself, for this package's preprocessing (never handed out). */
    byte[] pixelArray() {
        return pixels;
    }

    static void checkPixels(int w, int h, long maxPixels) {
        if (w <= 0 || h <= 0) {
            throw new PreprocessingException("undecodable", "image has no pixels (" + w + "x" + h + ")");
        }
        if ((long) w * h > maxPixels) {
            throw new PreprocessingException("too-many-pixels", "image is " + w + "x" + h + ", over " + maxPixels + " pixels");
        }
    }

    /** A palette whose every entry has R = G = B, as ImageIO gives gray PNGs of 1, 2 or 4 bits. */
    private static boolean isGrayPalette(IndexColorModel palette) {
        for (int i = 0; i < palette.getMapSize(); i++) {
            if (palette.getRed(i) != palette.getGreen(i) || palette.getRed(i) != palette.getBlue(i)) {
                return false;
            }
        }
        return true;
    }

    /** The component count of a JPEG's frame header, or -1 when the bytes are not a JPEG or have none. */
    static int jpegComponents(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) {
            return -1;
        }
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                return i + 9 < b.length ? b[i + 9] & 0xff : -1;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return -1;
            }
            i += 2 + length;
        }
        return -1;
    }

    private static String colourSpaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_CMY -> "CMY";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            default -> "type " + type;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecodedImage d && d.width == width && d.height == height && d.channels == channels
                && java.util.Arrays.equals(d.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return (width * 31 + height) * 31 + java.util.Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "DecodedImage[" + width + "x" + height + "x" + channels + "]";
    }
}
