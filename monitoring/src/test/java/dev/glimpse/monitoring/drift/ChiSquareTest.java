package dev.glimpse.monitoring.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChiSquareTest {

    /** Standard normal quantiles from published tables. */
    @ParameterizedTest
    @CsvSource({"0.5, 0.0", "0.975, 1.959964", "0.999, 3.090232", "0.01, -2.326348", "0.8413447, 1.0"})
    void shouldMatchTabulatedNormalQuantiles(double p, double z) {
        assertEquals(z, ChiSquare.normalQuantile(p), 1e-5);
    }

    /** Chi-square upper critical values from published tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4). */
    @ParameterizedTest
    @CsvSource({"9, 0.95, 16.919", "9, 0.99, 21.666", "9, 0.999, 27.877", "4, 0.99, 13.277", "20, 0.95, 31.410"})
    void shouldBeWithinOnePercentOfTabulatedChiSquareQuantiles(int k, double p, double x) {
        assertEquals(x, ChiSquare.quantile(k, p), 0.01 * x);
    }
}
