package dev.glimpse.runtime;

/**
 * How large an encoded image a stage agrees to decode: its byte count, and its width × height as read from the
 * header. {@link DecodedImage#decode(byte[], ImageLimits)} checks both before any pixel is decoded, so an image
 * written straight to a topic (bypassing ingest's validation) cannot make a stage allocate gigabytes.
 *
 * <p>The default, {@value #DEFAULT_MAX_PIXELS} pixels (4096 × 4096), takes any phone or camera photo (12 MP) while
 * bounding one decode to 48 MiB of 8-bit RGB: the serving models take at most a few hundred pixels a side, so a
 * larger image only costs decode time and memory before it is resized away.
 *
 * @param maxBytes  the encoded size above which an image is refused ({@code too-many-bytes})
 * @param maxPixels width × height above which an image is refused ({@code too-many-pixels})
 */
public record ImageLimits(long maxBytes, long maxPixels) {

    /** 4096 × 4096 = 16 MiP, as ingest's default. */
    public static final long DEFAULT_MAX_PIXELS = 4096L * 4096L;
    /** The largest image record a topic holds (16 MiB). */
    public static final long DEFAULT_MAX_BYTES = 16L << 20;
    public static final ImageLimits DEFAULT = new ImageLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS);

    public ImageLimits {
        if (maxBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("image limits must be positive: maxBytes=" + maxBytes
                    + ", maxPixels=" + maxPixels);
        }
    }

    /** The default byte limit with this pixel limit. */
    public static ImageLimits ofPixels(long maxPixels) {
        return new ImageLimits(DEFAULT_MAX_BYTES, maxPixels);
    }

    /**
     * @throws PreprocessingException {@code too-many-bytes} when {@code bytes} exceeds {@link #maxBytes}
     */
    void checkBytes(long bytes) {
        if (bytes > maxBytes) {
            throw new PreprocessingException("too-many-bytes", "image has " + bytes + " bytes, over " + maxBytes);
        }
    }
}
