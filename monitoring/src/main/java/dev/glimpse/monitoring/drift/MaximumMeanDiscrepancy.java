package dev.glimpse.monitoring.drift;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Kernel two-sample test: unbiased MMD² with the Gaussian RBF kernel k(x,y) = exp(-|x-y|² / (2 sigma²)),
 * sigma from the median heuristic on the pooled sample, p-value by permutation of the pooled sample.
 * Both samples are subsampled (seeded) to at most {@code maxSamplesPerSide} rows, which bounds the cost at
 * O(permutations * (2 maxSamples)²) kernel look-ups on one precomputed Gram matrix.
 */
public final class MaximumMeanDiscrepancy {

    /** MMD² estimate, kernel bandwidth, permutation p-value. */
    public record Result(double mmd2, double bandwidth, double pValue, int permutations) {
    }

    private final int maxSamplesPerSide;
    private final int permutations;
    private final long seed;

    public MaximumMeanDiscrepancy(int maxSamplesPerSide, int permutations, long seed) {
        if (maxSamplesPerSide < 2) {
            throw new IllegalArgumentException("maxSamplesPerSide must be >= 2, got " + maxSamplesPerSide);
        }
        if (permutations < 1) {
            throw new IllegalArgumentException("permutations must be >= 1, got " + permutations);
        }
        this.maxSamplesPerSide = maxSamplesPerSide;
        this.permutations = permutations;
        this.seed = seed;
    }

    public Result test(double[][] x, double[][] y) {
        if (x.length < 2 || y.length < 2) {
            throw new IllegalArgumentException("MMD needs at least 2 rows per sample, got " + x.length + " and " + y.length);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] xs = subsample(x, random);
        double[][] ys = subsample(y, random);
        int dim = xs[0].length;
        double[][] pooled = new double[xs.length + ys.length][];
        for (int i = 0; i < xs.length; i++) {
            pooled[i] = requireDim(xs[i], dim);
        }
        for (int i = 0; i < ys.length; i++) {
            pooled[xs.length + i] = requireDim(ys[i], dim);
        }
        double[][] sq = squaredDistances(pooled);
        double sigma = medianHeuristic(sq);
        double[][] gram = new double[pooled.length][pooled.length];
        double denom = 2 * sigma * sigma;
        for (int i = 0; i < pooled.length; i++) {
            for (int j = 0; j < pooled.length; j++) {
                gram[i][j] = Math.exp(-sq[i][j] / denom);
            }
        }
        int[] order = new int[pooled.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        double observed = unbiasedMmd2(gram, order, xs.length);
        int atLeastAsLarge = 0;
        for (int p = 0; p < permutations; p++) {
            shuffle(order, random);
            if (unbiasedMmd2(gram, order, xs.length) >= observed) {
                atLeastAsLarge++;
            }
        }
        // (b + 1) / (B + 1): the permutation p-value that counts the observed split as one of the permutations.
        double pValue = (atLeastAsLarge + 1.0) / (permutations + 1.0);
        return new Result(observed, sigma, pValue, permutations);
    }

    /** Unbiased MMD² for a fixed bandwidth, on the rows as given (no subsampling): the estimator on its own. */
    public static double unbiasedMmd2(double[][] x, double[][] y, double sigma) {
        double[][] pooled = new double[x.length + y.length][];
        System.arraycopy(x, 0, pooled, 0, x.length);
        System.arraycopy(y, 0, pooled, x.length, y.length);
        double[][] sq = squaredDistances(pooled);
        double[][] gram = new double[pooled.length][pooled.length];
        for (int i = 0; i < pooled.length; i++) {
            for (int j = 0; j < pooled.length; j++) {
                gram[i][j] = Math.exp(-sq[i][j] / (2 * sigma * sigma));
            }
        }
        int[] order = new int[pooled.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return unbiasedMmd2(gram, order, x.length);
    }

    /** Median of the pairwise (i < j) Euclidean distances; 1 when all points coincide. */
    static double medianHeuristic(double[][] squaredDistances) {
        int n = squaredDistances.length;
        double[] d = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                d[k++] = Math.sqrt(squaredDistances[i][j]);
            }
        }
        Arrays.sort(d);
        double median = d.length % 2 == 1 ? d[d.length / 2] : 0.5 * (d[d.length / 2 - 1] + d[d.length / 2]);
        return median > 0 ? median : 1.0;
    }

    private static double unbiasedMmd2(double[][] gram, int[] order, int m) {
        int n = order.length - m;
        double kxx = 0;
        double kyy = 0;
        double kxy = 0;
        for (int a = 0; a < order.length; a++) {
            double[] row = gram[order[a]];
            for (int b = 0; b < order.length; b++) {
                if (a == b) {
                    continue;
                }
                double k = row[order[b]];
                if (a < m && b < m) {
                    kxx += k;
                } else if (a >= m && b >= m) {
                    kyy += k;
                } else if (a < m) {
                    kxy += k;
                }
            }
        }
        return kxx / ((double) m * (m - 1)) + kyy / ((double) n * (n - 1)) - 2 * kxy / ((double) m * n);
    }

    private static double[][] squaredDistances(double[][] p) {
        double[][] sq = new double[p.length][p.length];
        for (int i = 0; i < p.length; i++) {
            for (int j = i + 1; j < p.length; j++) {
                double s = 0;
                for (int d = 0; d < p[i].length; d++) {
                    double diff = p[i][d] - p[j][d];
                    s += diff * diff;
                }
                sq[i][j] = s;
                sq[j][i] = s;
            }
        }
        return sq;
    }

    private double[][] subsample(double[][] rows, SplittableRandom random) {
        if (rows.length <= maxSamplesPerSide) {
            return rows;
        }
        int[] idx = new int[rows.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        shuffle(idx, random);
        double[][] out = new double[maxSamplesPerSide][];
        for (int i = 0; i < maxSamplesPerSide; i++) {
            out[i] = rows[idx[i]];
        }
        return out;
    }

    private static double[] requireDim(double[] row, int dim) {
        if (row.length != dim) {
            throw new IllegalArgumentException("embedding rows have different dimensions: " + row.length + " vs " + dim);
        }
        return row;
    }

    private static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
