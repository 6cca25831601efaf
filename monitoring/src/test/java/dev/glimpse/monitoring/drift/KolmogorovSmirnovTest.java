package dev.glimpse.monitoring.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KolmogorovSmirnovTest {

    /**
     * Published values of the Kolmogorov distribution Q(lambda) = 1 - K(lambda): K(1) = 0.7300003 and
     * K(0.5) = 0.0360547 (Marsaglia, Tsang and Wang 2003, Table), and the classical critical values
     * 1.2239 / 1.3581 / 1.6276 for alpha = 0.10 / 0.05 / 0.01 (Smirnov 1948 tables).
     */
    @ParameterizedTest
    @CsvSource({
        "0.5, 0.9639453, 1e-6",
        "1.0, 0.2699997, 1e-6",
        "1.2239, 0.10, 2e-4",
        "1.3581, 0.05, 1e-4",
        "1.6276, 0.01, 1e-4",
        "2.0, 0.000670925, 1e-8",
    })
    void shouldMatchPublishedKolmogorovSurvivalValues(double lambda, double expected, double tolerance) {
        assertEquals(expected, KolmogorovSmirnov.kolmogorovSurvival(lambda), tolerance);
    }

    @Test
    void shouldBeContinuousWhereTheTwoSeriesMeet() {
        double below = KolmogorovSmirnov.kolmogorovSurvival(1.0 - 1e-9);
        double above = KolmogorovSmirnov.kolmogorovSurvival(1.0 + 1e-9);
        assertEquals(below, above, 1e-7);
        assertEquals(1.0, KolmogorovSmirnov.kolmogorovSurvival(0.0));
    }

    @Test
    void shouldMatchBruteForceStatisticWithTies() {
        // Given samples with ties inside and across the two samples
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 50; trial++) {
            double[] a = new double[1 + random.nextInt(40)];
            double[] b = new double[1 + random.nextInt(40)];
            for (int i = 0; i < a.length; i++) {
                a[i] = random.nextInt(10);
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(12) - 1;
            }
            // When / Then: sup over every observed point of |F1(x) - F2(x)| with F(x) = #{v <= x} / n
            double brute = 0;
            for (double[] s : new double[][] {a, b}) {
                for (double x : s) {
                    brute = Math.max(brute, Math.abs(ecdf(a, x) - ecdf(b, x)));
                }
            }
            assertEquals(brute, KolmogorovSmirnov.statistic(a, b), 1e-12);
        }
    }

    @Test
    void shouldComputeThePValueFromTheEffectiveSampleSize() {
        // Given disjoint samples of sizes 3 and 4: D = 1, lambda = sqrt(12/7)
        KolmogorovSmirnov.Result r = KolmogorovSmirnov.twoSample(new double[] {1, 2, 3}, new double[] {4, 5, 6, 7});
        assertEquals(1.0, r.statistic(), 0);
        assertEquals(KolmogorovSmirnov.kolmogorovSurvival(Math.sqrt(12.0 / 7.0)), r.pValue(), 1e-15);
    }

    @Test
    void shouldRejectAtAboutTheNominalRateUnderTheNullAndAlwaysUnderAShift() {
        SplittableRandom random = new SplittableRandom(42);
        int falseRejections = 0;
        int trueRejections = 0;
        int trials = 400;
        for (int t = 0; t < trials; t++) {
            double[] a = uniform(random, 200, 0);
            double[] b = uniform(random, 150, 0);
            double[] shifted = uniform(random, 150, 0.25);
            if (KolmogorovSmirnov.twoSample(a, b).pValue() < 0.05) {
                falseRejections++;
            }
            if (KolmogorovSmirnov.twoSample(a, shifted).pValue() < 0.05) {
                trueRejections++;
            }
        }
        double rate = (double) falseRejections / trials;
        // The asymptotic test is slightly conservative at these sizes: about 4-5 % rejections.
        assertTrue(rate > 0.01 && rate < 0.09, "false rejection rate " + rate);
        assertEquals(trials, trueRejections);
    }

    @Test
    void shouldRejectEmptySamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KolmogorovSmirnov.twoSample(new double[0], new double[] {1}));
        assertTrue(e.getMessage().contains("non-empty"), e.getMessage());
    }

    private static double ecdf(double[] s, double x) {
        int c = 0;
        for (double v : s) {
            if (v <= x) {
                c++;
            }
        }
        return (double) c / s.length;
    }

    private static double[] uniform(SplittableRandom random, int n, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble() + shift;
        }
        return v;
    }
}
