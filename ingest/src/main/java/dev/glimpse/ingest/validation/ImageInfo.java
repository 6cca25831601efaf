package dev.glimpse.ingest.validation;

/**
 * What the header of an accepted image says.
 *
 * @param colorMode gray, gray-alpha, rgb, rgba or indexed (palette)
 * @param channels  channels after decoding to 8-bit samples (indexed counts as 3)
 */
public record ImageInfo(ImageFormat format, int width, int height, int channels, int bitsPerSample, String colorMode) {

    public long pixels() {
        return (long) width * height;
    }
}
