package dev.glimpse.explain.faithfulness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.Tensor;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class FaithfulnessScorerTest {

    // a linear toy model s(x) = bias + sign * sum_p w_p x_p on a 1x2x3 input, scored in closed form
    private static final float[] W = {6, 1, 4, 3, 5, 2};
    private final Tensor ones = new Tensor(new int[] {1, 2, 3}, new float[] {1, 1, 1, 1, 1, 1});
    private final Tensor perfectMap = new Tensor(new int[] {2, 3}, W.clone());
    // the object is the bottom-right pixel; the map's maximum (w = 6) is top-left, sqrt(2² + 1²) px away
    private final Tensor mask = new Tensor(new int[] {2, 3}, new float[] {0, 0, 0, 0, 0, 1});

    private static BatchScorer linear(float bias, float sign) {
        return batch -> {
            int n = batch.dim(0);
            int per = batch.size() / n;
            float[] out = new float[n];
            for (int b = 0; b < n; b++) {
                out[b] = bias;
                for (int i = 0; i < per; i++) {
                    out[b] += sign * W[i] * batch.data()[b * per + i];
                }
            }
            return out;
        };
    }

    @Test
    void shouldScoreALinearModelInClosedForm() {
        // Given one pixel per step and the map equal to the weights
        FaithfulnessScorer scorer = new FaithfulnessScorer(6, 15);

        // When scored without a mask
        FaithfulnessScorer.Scores s = scorer.score(linear(0, 1), 4, ones, perfectMap, null);

        // Then deletion leaves 21,15,10,6,3,1,0 and insertion gives 0,6,11,15,18,20,21 (trapezoids over 6 steps)
        assertEquals((15 + 10 + 6 + 3 + 1 + (21 + 0) / 2.0) / 6, s.deletionAuc(), 1e-6);
        assertEquals((6 + 11 + 15 + 18 + 20 + (0 + 21) / 2.0) / 6, s.insertionAuc(), 1e-6);
        // the input weighted by the map normalised to [0,1], (w-1)/5, scores 70/5 = 14 against 21: drop 7/21
        assertEquals(7.0 / 21, s.averageDrop(), 1e-6);
        assertEquals(0, s.increaseInConfidence(), "the weighted input scores lower");
        assertTrue(s.pointingGame().isEmpty(), "no mask, no pointing game");
    }

    @Test
    void shouldCountAnIncreaseAsOneAndNoDrop() {
        // Given a model that falls with the weighted sum: 100 - 21 = 79 on the input, 100 - 14 = 86 when weighted
        FaithfulnessScorer.Scores s = new FaithfulnessScorer(6, 15).score(linear(100, -1), 4, ones, perfectMap, null);

        // Then the weighted input scores higher: increase 1, drop 0
        assertEquals(1, s.increaseInConfidence());
        assertEquals(0, s.averageDrop());
    }

    @Test
    void shouldScaleThePointingToleranceFrom224PixelsToTheMasksLargerSide() {
        // Given a 2×3 mask whose object lies sqrt(5) = 2.236 px from the map's maximum
        // When the tolerance is 224 px at 224 px, i.e. 3 px on this mask, Then the game is a hit
        PointingGame.Result hit = new FaithfulnessScorer(6, 224).score(linear(0, 1), 4, ones, perfectMap, mask)
                .pointingGame().orElseThrow();
        assertTrue(hit.hit());
        assertEquals(3, hit.tolerance(), 1e-12);
        assertEquals(Math.sqrt(5), hit.distance(), 1e-9);
        // When it is 150 px at 224 px, i.e. 2.009 px on this mask, Then it is a miss (unscaled, 150 px would hit)
        PointingGame.Result miss = new FaithfulnessScorer(6, 150).score(linear(0, 1), 4, ones, perfectMap, mask)
                .pointingGame().orElseThrow();
        assertFalse(miss.hit());
        assertEquals(150 * 3 / 224.0, miss.tolerance(), 1e-12);
    }

    @Test
    void shouldScoreHeatmapsOnly() {
        assertEquals(EnumSet.of(Explanation.Kind.LAYER_MAP, Explanation.Kind.INPUT_ATTRIBUTION, Explanation.Kind.POSITION_MAP),
                EnumSet.copyOf(EnumSet.allOf(Explanation.Kind.class).stream().filter(Explanation.Kind::isHeatmap).toList()));
    }

    @Test
    void shouldRefuseNoStepsAndANegativeTolerance() {
        assertThrows(IllegalArgumentException.class, () -> new FaithfulnessScorer(0, 15));
        assertThrows(IllegalArgumentException.class, () -> new FaithfulnessScorer(16, -1));
    }
}
