package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.Maps;

/**
 * Average drop and increase in confidence (Chattopadhyay et al., Grad-CAM++, 2018) for one input: the input
 * is multiplied by the explanation map (resized to the input, normalised to [0,1]) and scored again.
 * drop = max(0, Y - O) / Y, increase = 1 if O &gt; Y else 0, with Y the score of the input and O of the masked
 * input; averaging over inputs (which turns the increase into the paper's rate) is left to the caller.
 */
public final class ConfidenceChange {

    public record Result(double original, double masked, double drop, double increase) {
    }

    private ConfidenceChange() {
    }

    public static Result of(BatchScorer scorer, Tensor inputChw, Tensor map) {
        int c = inputChw.dim(0);
        int h = inputChw.dim(1);
        int w = inputChw.dim(2);
        Tensor m2 = map.rank() == 3 ? Maps.maxAbsOverChannels(map) : map;
        Tensor weights = Maps.normalize(m2.dim(0) == h && m2.dim(1) == w ? m2 : Maps.resize(m2, h, w));
        float[] batch = new float[2 * c * h * w];
        System.arraycopy(inputChw.data(), 0, batch, 0, c * h * w);
        for (int k = 0; k < c; k++) {
            for (int p = 0; p < h * w; p++) {
                batch[c * h * w + k * h * w + p] = inputChw.data()[k * h * w + p] * weights.data()[p];
            }
        }
        float[] s = scorer.score(new Tensor(new int[] {2, c, h, w}, batch));
        double y = s[0];
        double o = s[1];
        double drop = y > 0 ? Math.max(0, y - o) / y : 0;
        return new Result(y, o, drop, o > y ? 1 : 0);
    }
}
