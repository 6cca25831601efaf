package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.Maps;
import dev.glimpse.runtime.InputGeometry;

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

    /**
     * An object mask of the original image as the model saw it: each model-input pixel takes the mask value of the
     * original pixel it shows (through the resize/crop/letterbox geometry; a mask of another size than the original is
     * taken as covering it), 0 where it shows padding. Maps are computed on the model input, so the game is played
     * there; the part of an object a crop cut off cannot be pointed at. Null when no part of the object is left.
     */
    public static Tensor maskInModelInput(Tensor mask, InputGeometry g) {
        int h = g.height();
        int w = g.width();
        int mh = mask.dim(0);
        int mw = mask.dim(1);
        float[] out = new float[h * w];
        boolean any = false;
        for (int y = 0; y < h; y++) {
            int sy = (int) Math.floor(g.toSourceY(y + 0.5) * mh / g.sourceHeight());
            for (int x = 0; x < w; x++) {
                int sx = (int) Math.floor(g.toSourceX(x + 0.5) * mw / g.sourceWidth());
                if (sy >= 0 && sy < mh && sx >= 0 && sx < mw && mask.data()[sy * mw + sx] != 0) {
                    out[y * w + x] = 1;
                    any = true;
                }
            }
        }
        return any ? new Tensor(new int[] {h, w}, out) : null;
    }
}
