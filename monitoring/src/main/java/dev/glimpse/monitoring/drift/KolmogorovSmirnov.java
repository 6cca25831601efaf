package dev.glimpse.monitoring.drift;

import java.util.Arrays;

/**
 * Two-sample Kolmogorov–Smirnov test: D = sup |F1 - F2| of the empirical CDFs, p-value from the asymptotic
 * Kolmogorov distribution at lambda = sqrt(n m / (n + m)) D (as scipy's {@code ks_2samp(mode="asymp")}).
 */
public final class KolmogorovSmirnov {

    /** Statistic and p-value of one test. */
    public record Result(double statistic, double pValue) {
    }

    private KolmogorovSmirnov() {
    }

    public static Result twoSample(double[] first, double[] second) {
        if (first.length == 0 || second.length == 0) {
            throw new IllegalArgumentException("KS test needs two non-empty samples, got sizes " + first.length + " and " + second.length);
        }
        double d = statistic(first, second);
        double n = first.length;
        double m = second.length;
        double lambda = Math.sqrt(n * m / (n + m)) * d;
        return new Result(d, kolmogorovSurvival(lambda));
    }

    /** sup_x |F1(x) - F2(x)| by merging the two sorted samples; ties advance both sides together. */
    public static double statistic(double[] first, double[] second) {
        double[] a = first.clone();
        double[] b = second.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < a.length && j < b.length) {
            double x = Math.min(a[i], b[j]);
            while (i < a.length && a[i] == x) {
                i++;
            }
            while (j < b.length && b[j] == x) {
                j++;
            }
            d = Math.max(d, Math.abs((double) i / a.length - (double) j / b.length));
        }
        return d;
    }

    /**
     * Q(lambda) = P(K > lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2). The alternating series converges
     * slowly for small lambda, so there the equivalent theta-function form of the CDF is used instead.
     */
    public static double kolmogorovSurvival(double lambda) {
        if (lambda <= 0) {
            return 1.0;
        }
        if (lambda < 1.0) {
            double sum = 0;
            for (int k = 1; k <= 50; k++) {
                double t = (2 * k - 1) * Math.PI / lambda;
                sum += Math.exp(-t * t / 8);
            }
            double cdf = Math.sqrt(2 * Math.PI) / lambda * sum;
            return Math.min(1.0, Math.max(0.0, 1.0 - cdf));
        }
        double sum = 0;
        for (int k = 1; k <= 100; k++) {
            double term = Math.exp(-2.0 * k * k * lambda * lambda);
            sum += (k % 2 == 1 ? term : -term);
            if (term < 1e-300) {
                break;
            }
        }
        return Math.min(1.0, Math.max(0.0, 2 * sum));
    }
}
