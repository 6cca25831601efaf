package dev.glimpse.explain.faithfulness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaithfulnessTest {

    // a linear toy scorer s(x) = sum_p w_p * x_p on a 1x2x3 input
    private static final float[] W = {6, 1, 4, 3, 5, 2};
    private final List<Integer> batchSizes = new ArrayList<>();
    private final BatchScorer linear = batch -> {
        batchSizes.add(batch.dim(0));
        int n = batch.dim(0);
        int per = batch.size() / n;
        float[] out = new float[n];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < per; i++) {
                out[b] += W[i] * batch.data()[b * per + i];
            }
        }
        return out;
    };
    private final Tensor ones = new Tensor(new int[] {1, 2, 3}, new float[] {1, 1, 1, 1, 1, 1});
    private final Tensor zeros = Tensor.zeros(1, 2, 3);
    private final Tensor perfectMap = new Tensor(new int[] {2, 3}, W.clone());

    @Test
    void shouldGiveClosedFormDeletionAucForLinearScorerWithPerfectMap() {
        // Given one pixel per step, deleting in weight order 6,5,4,3,2,1 leaves 21,15,10,6,3,1,0
        PerturbationCurves curves = new PerturbationCurves(linear, 6, 3);
        PerturbationCurves.Curve del = curves.deletion(ones, perfectMap, zeros);
        float[] expected = {21, 15, 10, 6, 3, 1, 0};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], del.scores()[i], 1e-5);
        }
        // trapezoid: (sum of interior + half the ends) / 6
        assertEquals((15 + 10 + 6 + 3 + 1 + (21 + 0) / 2.0) / 6, del.auc(), 1e-6);
        // And the 7 perturbed inputs went through in batches of at most 3
        assertEquals(List.of(3, 3, 1), batchSizes);
    }

    @Test
    void shouldRankFaithfulMapAboveReversedMapOnBothCurves() {
        PerturbationCurves curves = new PerturbationCurves(linear, 6, 16);
        float[] rev = new float[6];
        for (int i = 0; i < 6; i++) {
            rev[i] = -W[i];
        }
        Tensor reversed = new Tensor(new int[] {2, 3}, rev);
        assertTrue(curves.deletion(ones, perfectMap, zeros).auc() < curves.deletion(ones, reversed, zeros).auc());
        assertTrue(curves.insertion(ones, perfectMap, zeros).auc() > curves.insertion(ones, reversed, zeros).auc());
        // insertion with the perfect order: 0,6,11,15,18,20,21
        assertEquals((6 + 11 + 15 + 18 + 20 + 21 / 2.0) / 6, curves.insertion(ones, perfectMap, zeros).auc(), 1e-6);
    }

    @Test
    void shouldComputeDropAndIncreaseFromMaskedInput() {
        // map normalised to [0,1]: (w-1)/5 ; masked score = sum w*(w-1)/5 = (36-6+1-1+16-4+9-3+25-5+4-2)/5 = 70/5 = 14
        ConfidenceChange.Result r = ConfidenceChange.of(linear, ones, perfectMap);
        assertEquals(21, r.original(), 1e-5);
        assertEquals(14, r.masked(), 1e-5);
        assertEquals(7.0 / 21, r.drop(), 1e-6);
        assertEquals(0, r.increase(), "the masked input scores lower: no increase");
    }

    @Test
    void shouldHitPointingGameWithinToleranceOnly() {
        Tensor mask = new Tensor(new int[] {4, 4}, new float[] {
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 1});
        Tensor mapAtCorner = new Tensor(new int[] {4, 4}, new float[16]);
        mapAtCorner.data()[0] = 1;
        assertFalse(PointingGame.of(mapAtCorner, mask, 1).hit());
        PointingGame.Result r = PointingGame.of(mapAtCorner, mask, 4.3);
        assertTrue(r.hit());
        assertEquals(Math.hypot(3, 3), r.distance(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> PointingGame.of(mapAtCorner, Tensor.zeros(4, 4), 15));
    }
}
