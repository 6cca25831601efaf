package dev.glimpse.runtime;

/**
 * What an encoded image's header declares, read by {@link DecodedImage#header} without decoding a pixel.
 *
 * @param format the image reader's format name, lower case ({@code png}, {@code jpeg}, {@code gif}, {@code bmp})
 */
public record ImageHeader(String format, int width, int height) {

    public long pixels() {
        return (long) width * height;
    }
}
