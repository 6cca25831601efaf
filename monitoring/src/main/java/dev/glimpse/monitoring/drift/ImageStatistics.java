package dev.glimpse.monitoring.drift;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * Brightness (mean luminance) and contrast (standard deviation of luminance) of one image, both on a 0..1 scale.
 * Luminance of colour pixels is the Rec. 601 weighted sum 0.299 R + 0.587 G + 0.114 B.
 */
public record ImageStatistics(double brightness, double contrast) {

    /** Statistics of an encoded image (PNG, JPEG, BMP, GIF); empty when the bytes cannot be decoded. */
    public static Optional<ImageStatistics> ofEncoded(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            return Optional.empty();
        }
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded));
            return image == null ? Optional.empty() : Optional.of(of(image));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static ImageStatistics of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        double[] luminance = new double[w * h];
        int type = image.getType();
        if (type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_USHORT_GRAY) {
            // Grey rasters are read directly: going through getRGB would apply a gamma conversion.
            Raster raster = image.getRaster();
            double max = (1 << image.getColorModel().getComponentSize(0)) - 1.0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    luminance[y * w + x] = raster.getSample(x, y, 0) / max;
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = image.getRGB(x, y);
                    double v = 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
                    luminance[y * w + x] = v / 255.0;
                }
            }
        }
        return ofLuminance(luminance);
    }

    /** Statistics of luminance values already on a 0..1 scale. */
    public static ImageStatistics ofLuminance(double[] luminance) {
        if (luminance.length == 0) {
            throw new IllegalArgumentException("an image needs at least one pixel");
        }
        double mean = 0;
        for (double v : luminance) {
            mean += v;
        }
        mean /= luminance.length;
        double var = 0;
        for (double v : luminance) {
            var += (v - mean) * (v - mean);
        }
        return new ImageStatistics(mean, Math.sqrt(var / luminance.length));
    }
}
