package dev.glimpse.monitoring.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClassDistributionDriftTest {

    @Test
    void shouldMatchHandComputedPsi() {
        // Given expected [0.5, 0.5] and actual [0.25, 0.75] (as counts)
        double[] expected = {50, 50};
        double[] actual = {1, 3};
        // When / Then: (0.25-0.5) ln(0.25/0.5) + (0.75-0.5) ln(0.75/0.5)
        double closedForm = 0.25 * Math.log(2) + 0.25 * Math.log(1.5);
        assertEquals(closedForm, ClassDistributionDrift.psi(expected, actual), 1e-12);
    }

    @Test
    void shouldGiveZeroPsiAndJsForEqualDistributions() {
        double[] p = {10, 20, 30, 40};
        double[] q = {1, 2, 3, 4};
        assertEquals(0, ClassDistributionDrift.psi(p, q), 1e-12);
        assertEquals(0, ClassDistributionDrift.jensenShannon(p, q), 1e-12);
    }

    @Test
    void shouldMatchHandComputedJensenShannonInBits() {
        // Given p = [1, 0], q = [0.5, 0.5], mixture m = [0.75, 0.25]
        double klPm = Math.log(1 / 0.75);
        double klQm = 0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25);
        double closedForm = 0.5 * (klPm + klQm) / Math.log(2);
        assertEquals(closedForm, ClassDistributionDrift.jensenShannon(new double[] {3, 0}, new double[] {1, 1}), 1e-12);
        // symmetric
        assertEquals(closedForm, ClassDistributionDrift.jensenShannon(new double[] {1, 1}, new double[] {3, 0}), 1e-12);
    }

    @Test
    void shouldGiveOneBitForDisjointSupports() {
        assertEquals(1.0, ClassDistributionDrift.jensenShannon(new double[] {5, 0, 0}, new double[] {0, 2, 7}), 1e-12);
    }

    @Test
    void shouldKeepPsiFiniteWhenAClassIsMissing() {
        double psi = ClassDistributionDrift.psi(new double[] {1, 1}, new double[] {1, 0});
        assertTrue(Double.isFinite(psi) && psi > 1, "psi " + psi);
    }

    @Test
    void shouldRejectEmptyOrMismatchedDistributions() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> ClassDistributionDrift.psi(new double[] {0, 0}, new double[] {1, 1}));
        assertTrue(zero.getMessage().contains("all zero"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassDistributionDrift.jensenShannon(new double[] {1}, new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> ClassDistributionDrift.psi(new double[] {-1, 2}, new double[] {1, 1}));
    }
}
