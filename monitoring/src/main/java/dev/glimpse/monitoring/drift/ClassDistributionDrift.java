package dev.glimpse.monitoring.drift;

/**
 * Divergences between two class distributions given as counts (or fractions) over the same classes:
 * Population Stability Index and Jensen–Shannon divergence.
 */
public final class ClassDistributionDrift {

    /**
     * Fractions are floored at this value before taking logarithms, so a class that never occurs in one
     * window gives a large but finite PSI instead of infinity (the usual convention for PSI).
     */
    public static final double PSI_FLOOR = 1e-4;

    private ClassDistributionDrift() {
    }

    /** PSI = sum_i (a_i - e_i) ln(a_i / e_i) with expected (reference) fractions e and actual fractions a. */
    public static double psi(double[] expectedCounts, double[] actualCounts) {
        double[] e = normalise(expectedCounts, "expected");
        double[] a = normalise(actualCounts, "actual");
        requireSameLength(e, a);
        double psi = 0;
        for (int i = 0; i < e.length; i++) {
            double ei = Math.max(e[i], PSI_FLOOR);
            double ai = Math.max(a[i], PSI_FLOOR);
            psi += (ai - ei) * Math.log(ai / ei);
        }
        return psi;
    }

    /**
     * Jensen–Shannon divergence in bits (log base 2), so it lies in [0, 1]: 0 for equal distributions,
     * 1 for distributions with disjoint support.
     */
    public static double jensenShannon(double[] pCounts, double[] qCounts) {
        double[] p = normalise(pCounts, "p");
        double[] q = normalise(qCounts, "q");
        requireSameLength(p, q);
        double js = 0;
        for (int i = 0; i < p.length; i++) {
            double m = 0.5 * (p[i] + q[i]);
            js += 0.5 * klTerm(p[i], m) + 0.5 * klTerm(q[i], m);
        }
        return Math.max(0, js / Math.log(2));
    }

    private static double klTerm(double x, double m) {
        return x == 0 ? 0 : x * Math.log(x / m);
    }

    static double[] normalise(double[] counts, String what) {
        double total = 0;
        for (double c : counts) {
            if (c < 0 || !Double.isFinite(c)) {
                throw new IllegalArgumentException(what + " counts must be finite and >= 0, got " + c);
            }
            total += c;
        }
        if (total <= 0) {
            throw new IllegalArgumentException(what + " counts are all zero: a distribution needs at least one observation");
        }
        double[] f = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            f[i] = counts[i] / total;
        }
        return f;
    }

    private static void requireSameLength(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("distributions have different numbers of classes: " + a.length + " vs " + b.length);
        }
    }
}
