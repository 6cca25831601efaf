package dev.glimpse.explain.render;

import dev.glimpse.explain.Tensor;
import dev.glimpse.runtime.InputGeometry;

/**
 * Operations on 2-D maps ([H,W] tensors): normalisation, resizing, mapping back onto the original image, reduction
 * of [C,H,W] gradients to a map.
 */
public final class Maps {

    private Maps() {
    }

    /** Min–max normalisation to [0, 1]; a constant map becomes all zeros (nothing stands out). */
    public static Tensor normalize(Tensor map) {
        float min = map.min();
        float max = map.max();
        float[] out = new float[map.size()];
        float range = max - min;
        if (range > 0 && Float.isFinite(range)) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (map.data()[i] - min) / range;
            }
        }
        return new Tensor(map.shape().clone(), out);
    }

    /**
     * Bilinear resize of a [H,W] map with half-pixel centres, the same sampling as
     * torch.nn.functional.interpolate(mode="bilinear", align_corners=False) so heatmaps line up with references.
     */
    public static Tensor resize(Tensor map, int outH, int outW) {
        requireRank(map, 2);
        int h = map.dim(0);
        int w = map.dim(1);
        float[] out = new float[outH * outW];
        double sy = (double) h / outH;
        double sx = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                out[y * outW + x] = sample(map, (y + 0.5) * sy, (x + 0.5) * sx);
            }
        }
        return new Tensor(new int[] {outH, outW}, out);
    }

    /**
     * Bilinear resize of a [H,W] map with the corner pixels of input and output aligned, as
     * torch.nn.functional.interpolate(mode="bilinear", align_corners=True) (FullGrad's upsampling).
     */
    public static Tensor resizeAlignCorners(Tensor map, int outH, int outW) {
        requireRank(map, 2);
        double sy = outH > 1 ? (map.dim(0) - 1.0) / (outH - 1) : 0;
        double sx = outW > 1 ? (map.dim(1) - 1.0) / (outW - 1) : 0;
        float[] out = new float[outH * outW];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                out[y * outW + x] = sample(map, y * sy + 0.5, x * sx + 0.5);
            }
        }
        return new Tensor(new int[] {outH, outW}, out);
    }

    /**
     * A [H',W'] map computed on the model input, drawn back onto the original image through the preprocessing's
     * geometry: a [height,width] map spanning the original, each pixel sampled (bilinear, half-pixel centres, as
     * {@link #resize}) where the model input shows it, and NaN where the model never saw it (cropped away).
     *
     * @param width  width of the result; it spans the original's width (the original's own, or a display size)
     * @param height height of the result, spanning the original's height
     */
    public static Tensor toOriginal(Tensor map, InputGeometry g, int width, int height) {
        requireRank(map, 2);
        double perModelY = (double) map.dim(0) / g.height();
        double perModelX = (double) map.dim(1) / g.width();
        float[] out = new float[height * width];
        for (int y = 0; y < height; y++) {
            double my = g.toModelY((y + 0.5) * g.sourceHeight() / height);
            for (int x = 0; x < width; x++) {
                double mx = g.toModelX((x + 0.5) * g.sourceWidth() / width);
                out[y * width + x] = mx < 0 || mx >= g.width() || my < 0 || my >= g.height() ? Float.NaN
                        : sample(map, my * perModelY, mx * perModelX);
            }
        }
        return new Tensor(new int[] {height, width}, out);
    }

    /** Bilinear sample of a [H,W] map at continuous coordinates (0 = top/left edge), pixel centres at +0.5. */
    private static float sample(Tensor map, double cy, double cx) {
        int h = map.dim(0);
        int w = map.dim(1);
        float[] src = map.data();
        double fy = Math.max(0, cy - 0.5);
        int y0 = Math.min((int) fy, h - 1);
        int y1 = Math.min(y0 + 1, h - 1);
        double wy = fy - y0;
        double fx = Math.max(0, cx - 0.5);
        int x0 = Math.min((int) fx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        double wx = fx - x0;
        double top = src[y0 * w + x0] * (1 - wx) + src[y0 * w + x1] * wx;
        double bottom = src[y1 * w + x0] * (1 - wx) + src[y1 * w + x1] * wx;
        return (float) (top * (1 - wy) + bottom * wy);
    }

    /** [C,H,W] → [H,W] by the maximum absolute value over channels (the usual saliency-map reduction). */
    public static Tensor maxAbsOverChannels(Tensor chw) {
        requireRank(chw, 3);
        int c = chw.dim(0);
        int hw = chw.dim(1) * chw.dim(2);
        float[] out = new float[hw];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < hw; i++) {
                out[i] = Math.max(out[i], Math.abs(chw.data()[k * hw + i]));
            }
        }
        return new Tensor(new int[] {chw.dim(1), chw.dim(2)}, out);
    }

    static void requireRank(Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException("expected a rank-" + rank + " tensor, got " + t);
        }
    }
}
