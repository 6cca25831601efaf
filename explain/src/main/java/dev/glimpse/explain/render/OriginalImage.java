package dev.glimpse.explain.render;

import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.InputGeometry;
import dev.glimpse.runtime.Preprocessor;
import java.awt.image.BufferedImage;

/**
 * An image as it was given (before preprocessing) and where it lands in the model input: heatmaps computed on the
 * model input are drawn back onto it through the same resize + crop or letterbox ({@link Images#overlay(
 * OriginalImage, dev.glimpse.explain.Tensor, Colormap, double)}), so a 500x200 photo shows its heatmap on the
 * centre the model saw, not on a stretched square.
 */
public record OriginalImage(DecodedImage image, InputGeometry geometry) {

    /** Originals smaller than this (on their longer side) are enlarged so that a 28x28 image shows a smooth map. */
    static final int MIN_DISPLAY = 128;
    /** Larger originals are drawn at most this large (on their longer side). */
    static final int MAX_DISPLAY = 1024;

    public OriginalImage {
        if (geometry.sourceWidth() != image.width() || geometry.sourceHeight() != image.height()) {
            throw new IllegalArgumentException("geometry of a " + geometry.sourceWidth() + "x" + geometry.sourceHeight()
                    + " image given for a " + image.width() + "x" + image.height() + " one");
        }
    }

    /** The image and where the model's preprocessing puts it. */
    public static OriginalImage of(DecodedImage image, Preprocessor preprocessor) {
        return new OriginalImage(image, preprocessor.geometry(image.width(), image.height()));
    }

    /** The image as RGB, at its own size. */
    public BufferedImage toBufferedImage() {
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        byte[] px = image.pixels();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < w * h; p++) {
            int r = px[p * c] & 0xff;
            int g = c == 3 ? px[p * c + 1] & 0xff : r;
            int b = c == 3 ? px[p * c + 2] & 0xff : r;
            out.setRGB(p % w, p / w, (r << 16) | (g << 8) | b);
        }
        return out;
    }

    /** The size heatmaps over this image are drawn at: the aspect ratio kept, small images enlarged by a whole factor. */
    public int[] displaySize() {
        int w = image.width();
        int h = image.height();
        int longer = Math.max(w, h);
        if (longer < MIN_DISPLAY) {
            int f = (MIN_DISPLAY + longer - 1) / longer;
            return new int[] {w * f, h * f};
        }
        if (longer > MAX_DISPLAY) {
            return new int[] {Math.max(1, (int) ((long) w * MAX_DISPLAY / longer)),
                    Math.max(1, (int) ((long) h * MAX_DISPLAY / longer))};
        }
        return new int[] {w, h};
    }
}
