package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import java.util.Optional;

/**
 * Scores every heatmap ({@code Explanation.Kind.isHeatmap()}) the same way, for {@code ./glimpse explain}
 * (summary.json) and the explain worker (the Explanation event): deletion and insertion AUC against a zero baseline in the model's input space
 * ({@link PerturbationCurves}), average drop and increase in confidence ({@link ConfidenceChange}), the
 * {@link PointingGame} when a ground-truth mask is given, and ROAD's MoRF/LeRF curves ({@link Road}) when asked.
 *
 * <p>The pointing-game tolerance is given in pixels of a {@value #REFERENCE_SIDE}-pixel image (the protocol's
 * 15 px) and scaled to the mask's larger side: a tolerance t on an H×W mask is t·max(H,W)/224 pixels, so that a
 * 28-pixel image is not held to the slack of a 224-pixel one.
 */
public final class FaithfulnessScorer {

    /** The image side the pointing-game tolerance is stated for. */
    public static final int REFERENCE_SIDE = 224;
    /** Seed of ROAD's imputation noise. */
    static final long ROAD_SEED = 20220517L;

    /**
     * The scores of one heatmap.
     *
     * @param averageDrop          max(0, Y - O) / Y in [0,1], Y the target probability of the input, O of the input
     *                             multiplied by the normalised map
     * @param increaseInConfidence 1 when O &gt; Y, else 0: a number so that its mean over inputs is the paper's
     *                             increase-in-confidence rate (the event's {@code average_increase})
     * @param pointingGame         present when a mask was given
     * @param road                 the ROAD curves, present when the scorer has ROAD percentiles ({@link #withRoad})
     */
    public record Scores(double deletionAuc, double insertionAuc, double averageDrop, double increaseInConfidence,
                         Optional<PointingGame.Result> pointingGame, Optional<Road.Result> road) {
    }

    private final int steps;
    private final double pointingTolerance;
    private final int[] roadPercentiles;
    private final double roadNoise;

    /**
     * @param steps             deletion/insertion curve steps (&gt;= 1)
     * @param pointingTolerance pointing-game tolerance in pixels of a {@value #REFERENCE_SIDE}-pixel image (&gt;= 0)
     */
    public FaithfulnessScorer(int steps, double pointingTolerance) {
        if (steps < 1) {
            throw new IllegalArgumentException("faithfulness steps must be >= 1, got " + steps);
        }
        if (!(pointingTolerance >= 0)) {
            throw new IllegalArgumentException("pointing tolerance must be >= 0 pixels, got " + pointingTolerance);
        }
        this.steps = steps;
        this.pointingTolerance = pointingTolerance;
        this.roadPercentiles = new int[0];
        this.roadNoise = Road.DEFAULT_NOISE;
    }

    private FaithfulnessScorer(FaithfulnessScorer base, int[] roadPercentiles, double roadNoise) {
        this.steps = base.steps;
        this.pointingTolerance = base.pointingTolerance;
        this.roadPercentiles = roadPercentiles.clone();
        this.roadNoise = roadNoise;
    }

    /**
     * This scorer plus ROAD ({@link Road}) at {@code percentiles} (empty = no ROAD) with imputation noise
     * {@code noise}; the noise is seeded, so the same map gets the same scores in the CLI and the worker.
     */
    public FaithfulnessScorer withRoad(int[] percentiles, double noise) {
        if (percentiles.length > 0) {
            Road.requireValid(percentiles);
            new NoisyLinearImputation(noise);
        }
        return new FaithfulnessScorer(this, percentiles, noise);
    }

    /** The pointing-game tolerance in pixels of {@code mask} [H,W]. */
    public double toleranceOn(Tensor mask) {
        return pointingTolerance * Math.max(mask.dim(0), mask.dim(1)) / REFERENCE_SIDE;
    }

    /**
     * Scores {@code map}.
     *
     * @param model    the target-class probability of a batch, e.g. {@code Explainer.targetScorer(target)}
     * @param maxBatch most inputs per {@code model} call, e.g. {@code Explainer.maxBatch()}
     * @param inputChw the input the map explains, [C,H,W] as the model receives it
     * @param mask     the ground-truth object mask [H,W] (non-zero = object), or null
     */
    public Scores score(BatchScorer model, int maxBatch, Tensor inputChw, Tensor map, Tensor mask) {
        PerturbationCurves curves = new PerturbationCurves(model, steps, maxBatch);
        Tensor zeros = Tensor.zeros(inputChw.shape());
        double deletion = curves.deletion(inputChw, map, zeros).auc();
        double insertion = curves.insertion(inputChw, map, zeros).auc();
        ConfidenceChange.Result c = ConfidenceChange.of(model, inputChw, map);
        Optional<PointingGame.Result> pointing = mask == null
                ? Optional.empty()
                : Optional.of(PointingGame.of(map, mask, toleranceOn(mask)));
        Optional<Road.Result> road = roadPercentiles.length == 0 ? Optional.empty()
                : Optional.of(new Road(model, maxBatch, roadPercentiles, roadNoise, ROAD_SEED).of(inputChw, map));
        return new Scores(deletion, insertion, c.drop(), c.increase(), pointing, road);
    }
}
