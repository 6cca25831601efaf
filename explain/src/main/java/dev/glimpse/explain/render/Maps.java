package dev.glimpse.explain.render;

import dev.glimpse.explain.Tensor;

/** Operations on 2-D maps ([H,W] tensors): normalisation, resizing, reduction of [C,H,W] gradients to a map. */
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
        float[] src = map.data();
        float[] out = new float[outH * outW];
        double sy = (double) h / outH;
        double sx = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            double wy = fy - y0;
            for (int x = 0; x < outW; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                double wx = fx - x0;
                double top = src[y0 * w + x0] * (1 - wx) + src[y0 * w + x1] * wx;
                double bottom = src[y1 * w + x0] * (1 - wx) + src[y1 * w + x1] * wx;
                out[y * outW + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return new Tensor(new int[] {outH, outW}, out);
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
