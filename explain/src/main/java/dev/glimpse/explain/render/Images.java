package dev.glimpse.explain.render;

import dev.glimpse.explain.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Conversions between tensors and images, and PNG output through ImageIO. */
public final class Images {

    private Images() {
    }

    /**
     * An image of a preprocessed [C,H,W] input (C = 1 or 3). The normalisation is unknown here, so the
     * tensor is stretched with one min–max over all channels, which keeps colour ratios.
     */
    public static BufferedImage fromInput(Tensor chw) {
        Maps.requireRank(chw, 3);
        int c = chw.dim(0);
        int h = chw.dim(1);
        int w = chw.dim(2);
        Tensor n = Maps.normalize(chw);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] rgb = new int[3];
                for (int k = 0; k < 3; k++) {
                    rgb[k] = Math.round(255 * n.data()[(c == 3 ? k : 0) * h * w + y * w + x]);
                }
                img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
        }
        return img;
    }

    /** A [H,W] map as a colour image, normalised first. */
    public static BufferedImage heatmap(Tensor map, Colormap cmap) {
        Maps.requireRank(map, 2);
        Tensor n = Maps.normalize(map);
        int h = map.dim(0);
        int w = map.dim(1);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, cmap.packed(n.data()[y * w + x]));
            }
        }
        return img;
    }

    /** A [H,W] map in grey levels, normalised first (feature maps, filters). */
    public static BufferedImage gray(Tensor map) {
        Maps.requireRank(map, 2);
        Tensor n = Maps.normalize(map);
        int h = map.dim(0);
        int w = map.dim(1);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = Math.round(255 * n.data()[y * w + x]);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return img;
    }

    /**
     * Heatmap of a map over the input: the map is resized bilinearly to the image, normalised to [0,1],
     * coloured, and blended as (1 - alpha) * image + alpha * colour.
     */
    public static BufferedImage overlay(BufferedImage base, Tensor map, Colormap cmap, double alpha) {
        if (alpha < 0 || alpha > 1) {
            throw new IllegalArgumentException("alpha must be in [0,1], got " + alpha);
        }
        int w = base.getWidth();
        int h = base.getHeight();
        Tensor n = Maps.normalize(Maps.resize(map, h, w));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int b = base.getRGB(x, y);
                int c = cmap.packed(n.data()[y * w + x]);
                int r = blend((b >> 16) & 255, (c >> 16) & 255, alpha);
                int g = blend((b >> 8) & 255, (c >> 8) & 255, alpha);
                int bl = blend(b & 255, c & 255, alpha);
                out.setRGB(x, y, (r << 16) | (g << 8) | bl);
            }
        }
        return out;
    }

    /**
     * Heatmap of a map computed on the model input, drawn over the original image through the preprocessing's
     * geometry ({@link Maps#toOriginal}): with resize + center crop only the centre the model saw is coloured, with
     * letterbox the padding is not drawn at all. The map is normalised to [0,1] over its own values, coloured and
     * blended as {@link #overlay(BufferedImage, Tensor, Colormap, double)}; the rest of the original is shown as is.
     * The result has the original's aspect ratio at {@link OriginalImage#displaySize()}.
     */
    public static BufferedImage overlay(OriginalImage original, Tensor map, Colormap cmap, double alpha) {
        if (alpha < 0 || alpha > 1) {
            throw new IllegalArgumentException("alpha must be in [0,1], got " + alpha);
        }
        int[] size = original.displaySize();
        int w = size[0];
        int h = size[1];
        BufferedImage base = scale(original.toBufferedImage(), w, h);
        Tensor n = Maps.toOriginal(Maps.normalize(map), original.geometry(), w, h);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int b = base.getRGB(x, y);
                float v = n.data()[y * w + x];
                if (Float.isNaN(v)) {
                    out.setRGB(x, y, b & 0xFFFFFF);
                    continue;
                }
                int c = cmap.packed(v);
                int r = blend((b >> 16) & 255, (c >> 16) & 255, alpha);
                int g = blend((b >> 8) & 255, (c >> 8) & 255, alpha);
                int bl = blend(b & 255, c & 255, alpha);
                out.setRGB(x, y, (r << 16) | (g << 8) | bl);
            }
        }
        return out;
    }

    /** Nearest-neighbour upscaling so that small maps (7×7, 5×5 filters) stay visible as blocks. */
    public static BufferedImage scale(BufferedImage img, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(x, y, img.getRGB(x * img.getWidth() / w, y * img.getHeight() / h));
            }
        }
        return out;
    }

    public static void writePng(BufferedImage img, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available in ImageIO");
        }
    }

    private static int blend(int base, int color, double alpha) {
        return (int) Math.round((1 - alpha) * base + alpha * color);
    }
}
