package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.Maps;

/**
 * Pointing game (Zhang et al., 2016): a hit when the maximum of the map, resized to the mask, lies inside
 * the ground-truth mask or within {@code tolerance} pixels of it (the original protocol uses 15).
 */
public final class PointingGame {

    /** @param tolerance the tolerance applied, in pixels of the mask */
    public record Result(boolean hit, int x, int y, double distance, double tolerance) {
    }

    private PointingGame() {
    }

    /** @param mask [H,W], non-zero = object */
    public static Result of(Tensor map, Tensor mask, double tolerance) {
        if (mask.rank() != 2) {
            throw new IllegalArgumentException("mask must be [H,W], got " + mask);
        }
        int h = mask.dim(0);
        int w = mask.dim(1);
        Tensor m2 = map.rank() == 3 ? Maps.maxAbsOverChannels(map) : map;
        Tensor m = m2.dim(0) == h && m2.dim(1) == w ? m2 : Maps.resize(m2, h, w);
        int arg = m.argmax();
        int px = arg % w;
        int py = arg / w;
        double best = Double.POSITIVE_INFINITY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask.data()[y * w + x] != 0) {
                    best = Math.min(best, Math.hypot(x - px, y - py));
                }
            }
        }
        if (best == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("the ground-truth mask is empty (no non-zero pixel)");
        }
        return new Result(best <= tolerance, px, py, best, tolerance);
    }
}
