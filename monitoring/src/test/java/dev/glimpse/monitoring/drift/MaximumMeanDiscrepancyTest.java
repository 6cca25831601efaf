package dev.glimpse.monitoring.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaximumMeanDiscrepancyTest {

    @Test
    void shouldMatchTheClosedFormUnbiasedEstimator() {
        // Given X = {0, 1}, Y = {3, 5} in 1-D and sigma = 1: k(a,b) = exp(-(a-b)^2 / 2)
        double[][] x = {{0}, {1}};
        double[][] y = {{3}, {5}};
        // mean over i != j of k(x_i, x_j) is k(0,1); same for Y with k(3,5); cross term is the mean of 4 pairs
        double kxx = Math.exp(-0.5);
        double kyy = Math.exp(-2.0);
        double kxy = (Math.exp(-4.5) + Math.exp(-12.5) + Math.exp(-2.0) + Math.exp(-8.0)) / 4;
        assertEquals(kxx + kyy - 2 * kxy, MaximumMeanDiscrepancy.unbiasedMmd2(x, y, 1.0), 1e-12);
    }

    @Test
    void shouldTakeTheMedianPairwiseDistanceAsBandwidth() {
        // Given points 0, 1, 3: pairwise distances 1, 3, 2 -> median 2
        double[][] sq = {{0, 1, 9}, {1, 0, 4}, {9, 4, 0}};
        assertEquals(2.0, MaximumMeanDiscrepancy.medianHeuristic(sq), 0);
    }

    @Test
    void shouldDetectAMeanShiftAndNotAnUnshiftedSample() {
        SplittableRandom random = new SplittableRandom(3);
        MaximumMeanDiscrepancy mmd = new MaximumMeanDiscrepancy(100, 200, 11);
        double[][] reference = gaussian(random, 150, 8, 0);
        double[][] same = gaussian(random, 150, 8, 0);
        double[][] shifted = gaussian(random, 150, 8, 0.6);

        MaximumMeanDiscrepancy.Result h0 = mmd.test(reference, same);
        MaximumMeanDiscrepancy.Result h1 = mmd.test(reference, shifted);

        assertTrue(h0.pValue() > 0.01, "unshifted p " + h0.pValue());
        assertEquals(1.0 / 201, h1.pValue(), 1e-12, "no permutation should beat a 0.6 sigma shift in 8-D");
        assertTrue(h1.mmd2() > h0.mmd2());
    }

    @Test
    void shouldRejectAtMostSlightlyMoreThanTheNominalRateUnderTheNull() {
        SplittableRandom random = new SplittableRandom(5);
        MaximumMeanDiscrepancy mmd = new MaximumMeanDiscrepancy(40, 99, 1);
        int rejections = 0;
        int trials = 60;
        for (int t = 0; t < trials; t++) {
            if (mmd.test(gaussian(random, 40, 4, 0), gaussian(random, 40, 4, 0)).pValue() < 0.05) {
                rejections++;
            }
        }
        assertTrue(rejections <= 8, "rejections under H0: " + rejections + " of " + trials);
    }

    @Test
    void shouldBeReproducibleForTheSameSeed() {
        SplittableRandom random = new SplittableRandom(9);
        double[][] a = gaussian(random, 300, 3, 0);
        double[][] b = gaussian(random, 300, 3, 0.1);
        MaximumMeanDiscrepancy.Result r1 = new MaximumMeanDiscrepancy(50, 100, 123).test(a, b);
        MaximumMeanDiscrepancy.Result r2 = new MaximumMeanDiscrepancy(50, 100, 123).test(a, b);
        assertEquals(r1, r2);
    }

    @Test
    void shouldRejectTooSmallSamplesAndMixedDimensions() {
        MaximumMeanDiscrepancy mmd = new MaximumMeanDiscrepancy(10, 10, 1);
        assertThrows(IllegalArgumentException.class, () -> mmd.test(new double[][] {{1}}, new double[][] {{1}, {2}}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mmd.test(new double[][] {{1}, {2}}, new double[][] {{1, 2}, {2, 3}}));
        assertTrue(e.getMessage().contains("dimensions"), e.getMessage());
    }

    private static double[][] gaussian(SplittableRandom random, int n, int dim, double shift) {
        double[][] v = new double[n][dim];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dim; d++) {
                // Box-Muller
                double u1 = 1 - random.nextDouble();
                double u2 = random.nextDouble();
                v[i][d] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) + shift;
            }
        }
        return v;
    }
}
