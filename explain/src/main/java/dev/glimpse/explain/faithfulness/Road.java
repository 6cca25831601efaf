package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * ROAD, RemOve And Debias (Rong et al. 2022): for each percentage p of the given percentiles, the p% of pixels the
 * map ranks highest (MoRF, most relevant first) or lowest (LeRF, least relevant first) are removed by
 * {@link NoisyLinearImputation} and the target probability of the imputed input is taken. A faithful map makes the
 * MoRF curve fall fast and the LeRF curve stay high; {@code combined} = (mean LeRF - mean MoRF) / 2 (higher is
 * better), as pytorch-grad-cam's ROADCombined. Pixels are ranked as for the deletion curve
 * ({@link PerturbationCurves}); the number removed is round(p/100 · H·W); the noise is seeded, so a map scores
 * the same every time.
 */
public final class Road {

    /** Percentages used when none are given: 10, 20, ..., 90. */
    public static final int[] DEFAULT_PERCENTILES = {10, 20, 30, 40, 50, 60, 70, 80, 90};
    /** Standard deviation of the imputation noise in the model's input space (the paper's 0.01). */
    public static final double DEFAULT_NOISE = 0.01;

    /** The curves at {@code percentiles}; {@code morf[i]} and {@code lerf[i]} are probabilities. */
    public record Result(int[] percentiles, float[] morf, float[] lerf) {

        public double morfMean() {
            return mean(morf);
        }

        public double lerfMean() {
            return mean(lerf);
        }

        public double combined() {
            return (lerfMean() - morfMean()) / 2;
        }

        private static double mean(float[] v) {
            double s = 0;
            for (float f : v) {
                s += f;
            }
            return v.length == 0 ? 0 : s / v.length;
        }
    }

    private final BatchScorer scorer;
    private final int maxBatch;
    private final int[] percentiles;
    private final NoisyLinearImputation imputation;
    private final long seed;

    /**
     * @param percentiles percentages of pixels to remove, each in 1..99
     * @param noise       imputation noise (standard deviation, model input space)
     * @param seed        seed of the noise
     */
    public Road(BatchScorer scorer, int maxBatch, int[] percentiles, double noise, long seed) {
        requireValid(percentiles);
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        this.scorer = scorer;
        this.maxBatch = maxBatch;
        this.percentiles = percentiles.clone();
        this.imputation = new NoisyLinearImputation(noise);
        this.seed = seed;
    }

    /** Checks ROAD percentiles: at least one, each in 1..99. */
    public static void requireValid(int[] percentiles) {
        if (percentiles.length == 0) {
            throw new IllegalArgumentException("ROAD needs at least one percentile");
        }
        for (int p : percentiles) {
            if (p < 1 || p > 99) {
                throw new IllegalArgumentException("ROAD percentiles must be in 1..99, got " + p);
            }
        }
    }

    /** @param inputChw the input [C,H,W] as the model receives it @param map the heatmap (any kind scored for faithfulness) */
    public Result of(Tensor inputChw, Tensor map) {
        int c = inputChw.dim(0);
        int h = inputChw.dim(1);
        int w = inputChw.dim(2);
        int hw = h * w;
        int[] order = PerturbationCurves.rankPixels(map, h, w);
        Random random = new Random(seed);
        int m = percentiles.length;
        float[] batch = new float[2 * m * c * hw];
        for (int i = 0; i < 2 * m; i++) {
            boolean mostRelevantFirst = i < m;
            int count = (int) Math.round(percentiles[i % m] / 100.0 * hw);
            boolean[] removed = new boolean[hw];
            for (int r = 0; r < count; r++) {
                removed[order[mostRelevantFirst ? r : hw - 1 - r]] = true;
            }
            Tensor imputed = imputation.impute(inputChw, removed, random);
            System.arraycopy(imputed.data(), 0, batch, i * c * hw, c * hw);
        }
        float[] scores = new float[2 * m];
        for (int first = 0; first < 2 * m; first += maxBatch) {
            int n = Math.min(maxBatch, 2 * m - first);
            float[] part = scorer.score(new Tensor(new int[] {n, c, h, w},
                    Arrays.copyOfRange(batch, first * c * hw, (first + n) * c * hw)));
            System.arraycopy(part, 0, scores, first, n);
        }
        return new Result(percentiles.clone(), Arrays.copyOfRange(scores, 0, m), Arrays.copyOfRange(scores, m, 2 * m));
    }
}
