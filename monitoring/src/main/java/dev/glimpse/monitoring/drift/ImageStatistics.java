package dev.glimpse.monitoring.drift;

import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.PreprocessingException;

/**
 * Brightness (mean luminance) and contrast (standard deviation of luminance) of one image, both on a 0..1 scale.
 * Luminance of colour pixels is the Rec. 601 weighted sum 0.299 R + 0.587 G + 0.114 B.
 */
public record ImageStatistics(double brightness, double contrast) {

    /**
     * The longer side above which an image is subsampled (point sampling, every k-th pixel) before its statistics are
     * computed: 2048 keeps the decoded bytes under 12.6 MB per image, and an image up to that size is measured whole —
     * point sampling at a smaller side aliases fine periodic texture (a 6-pixel checkerboard sampled every 6th pixel
     * reads as one colour, 10 % off the true brightness).
     */
    public static final int STATISTICS_SIDE = 2048;

    /**
     * Statistics of an encoded image (PNG, JPEG, BMP, GIF) decoded by runtime's one decoder, subsampled so that its
     * longer side is at most {@value #STATISTICS_SIDE} pixels: memory and time stay bounded whatever the image's
     * size, and an image up to that size gives exactly the full image's statistics. The limits are checked from the
     * header before any pixel is decoded (a decompression bomb on the images topic).
     *
     * @throws PreprocessingException with the dead-letter reason ({@code too-many-pixels}, {@code undecodable}, ...)
     */
    public static ImageStatistics ofEncoded(byte[] encoded, ImageLimits limits) {
        return of(DecodedImage.decodeSubsampled(encoded, limits, STATISTICS_SIDE));
    }

    /** Statistics of decoded 8-bit pixels, in two passes over them (no per-pixel array of luminances). */
    public static ImageStatistics of(DecodedImage image) {
        byte[] px = image.pixels();
        int channels = image.channels();
        int n = image.width() * image.height();
        double mean = 0;
        for (int p = 0; p < n; p++) {
            mean += luminance(px, p, channels);
        }
        mean /= n;
        double var = 0;
        for (int p = 0; p < n; p++) {
            double d = luminance(px, p, channels) - mean;
            var += d * d;
        }
        return new ImageStatistics(mean, Math.sqrt(var / n));
    }

    private static double luminance(byte[] px, int p, int channels) {
        return channels == 1 ? (px[p] & 0xff) / 255.0
                : (0.299 * (px[p * 3] & 0xff) + 0.587 * (px[p * 3 + 1] & 0xff) + 0.114 * (px[p * 3 + 2] & 0xff)) / 255.0;
    }
}
