package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.Maps;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Deletion and insertion curves (Petsiuk et al., RISE, 2018): pixels are ranked by saliency; deletion moves
 * the most salient ones to a baseline step by step, insertion moves them from a baseline to the input. The
 * score after each step is taken through a {@link BatchScorer} with the steps batched together; the area under
 * each curve (trapezoid rule over the fraction of pixels, in [0,1]) is the metric: a faithful map has a low
 * deletion AUC and a high insertion AUC.
 */
public final class PerturbationCurves {

    public record Curve(float[] scores, double auc) {
    }

    private final BatchScorer scorer;
    private final int steps;
    private final int maxBatch;

    public PerturbationCurves(BatchScorer scorer, int steps, int maxBatch) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        this.scorer = scorer;
        this.steps = steps;
        this.maxBatch = maxBatch;
    }

    /** Deletion: start at the input, replace the top-ranked pixels (all channels) by the baseline. */
    public Curve deletion(Tensor inputChw, Tensor map, Tensor baselineChw) {
        return curve(inputChw, baselineChw, map);
    }

    /** Insertion: start at the baseline, put the top-ranked pixels of the input back. */
    public Curve insertion(Tensor inputChw, Tensor map, Tensor baselineChw) {
        return curve(baselineChw, inputChw, map);
    }

    /** Curve from {@code start} to {@code end}, moving pixels in order of decreasing map value. */
    private Curve curve(Tensor start, Tensor end, Tensor map) {
        requireSameShape(start, end);
        int c = start.dim(0);
        int h = start.dim(1);
        int w = start.dim(2);
        int hw = h * w;
        int[] order = rankPixels(map, h, w);
        int perStep = (hw + steps - 1) / steps;
        float[] scores = new float[steps + 1];
        float[] current = start.data().clone();
        int chw = c * hw;
        for (int first = 0; first <= steps; first += maxBatch) {
            int n = Math.min(maxBatch, steps + 1 - first);
            float[] batch = new float[n * chw];
            for (int b = 0; b < n; b++) {
                int step = first + b;
                if (step > 0) {
                    for (int r = (step - 1) * perStep; r < Math.min(hw, step * perStep); r++) {
                        int p = order[r];
                        for (int k = 0; k < c; k++) {
                            current[k * hw + p] = end.data()[k * hw + p];
                        }
                    }
                }
                System.arraycopy(current, 0, batch, b * chw, chw);
            }
            float[] s = scorer.score(new Tensor(new int[] {n, c, h, w}, batch));
            if (s.length != n) {
                throw new IllegalStateException("scorer returned " + s.length + " scores for a batch of " + n);
            }
            System.arraycopy(s, 0, scores, first, n);
        }
        return new Curve(scores, trapezoid(scores));
    }

    /** Area under scores sampled at fractions 0, 1/steps, ..., 1. */
    static double trapezoid(float[] scores) {
        double area = 0;
        for (int i = 0; i + 1 < scores.length; i++) {
            area += (scores[i] + scores[i + 1]) / 2.0;
        }
        return area / (scores.length - 1);
    }

    /**
     * Pixel indices of an H×W input by decreasing map value (a [h,w] map resized to H×W first, a [C,H,W] attribution
     * reduced by its largest absolute value over channels); ties keep raster order so results are deterministic.
     */
    static int[] rankPixels(Tensor map, int h, int w) {
        int hw = h * w;
        if (map.rank() == 2 && (map.dim(0) != h || map.dim(1) != w)) {
            map = Maps.resize(map, h, w);
        }
        float[] m = map.rank() == 3 ? Maps.maxAbsOverChannels(map).data() : map.data();
        if (m.length != hw) {
            throw new IllegalArgumentException("map has " + m.length + " pixels, input has " + hw);
        }
        return IntStream.range(0, hw).boxed()
                .sorted((a, b) -> Float.compare(m[b], m[a]))
                .mapToInt(Integer::intValue).toArray();
    }

    private static void requireSameShape(Tensor a, Tensor b) {
        if (a.rank() != 3 || !Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("input and baseline must both be [C,H,W] of the same shape, got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
    }
}
