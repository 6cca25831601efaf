package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * ROAD's noisy linear imputation (Rong et al. 2022): every removed pixel takes the weighted mean of its 8
 * neighbours inside the image — weight 1/6 for the 4 direct and 1/12 for the 4 diagonal ones — where neighbours
 * that are removed too are unknowns of the same sparse linear system; per channel, for removed pixel i,
 * (sum_{j in N(i)} w_ij) v_i - sum_{j in N(i), removed} w_ij v_j = sum_{j in N(i), kept} w_ij x_j. Gaussian noise of
 * standard deviation {@code noise} is then added to the imputed values, so that the removal leaves no trace a
 * model could read (the "debias" of remove-and-debias).
 *
 * <p>The system matrix is symmetric positive definite whenever some pixel is kept (each connected removed region
 * borders a kept pixel), and is solved by conjugate gradients with a Jacobi preconditioner.
 */
public final class NoisyLinearImputation {

    private static final int[][] OFFSETS = {{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 1}, {1, -1}, {1, 0}, {1, 1}};
    private static final double DIRECT = 1.0 / 6;
    private static final double DIAGONAL = 1.0 / 12;

    private final double noise;

    /** @param noise standard deviation of the Gaussian noise added to imputed values (0 = plain linear imputation) */
    public NoisyLinearImputation(double noise) {
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("ROAD noise must be >= 0, got " + noise);
        }
        this.noise = noise;
    }

    /**
     * @param chw     the input [C,H,W]
     * @param removed H·W flags, true = impute this pixel (all channels)
     * @param random  source of the noise
     * @return a new [C,H,W] with the removed pixels imputed
     */
    public Tensor impute(Tensor chw, boolean[] removed, Random random) {
        int c = chw.dim(0);
        int h = chw.dim(1);
        int w = chw.dim(2);
        int hw = h * w;
        if (removed.length != hw) {
            throw new IllegalArgumentException("mask has " + removed.length + " pixels, input has " + hw);
        }
        int[] unknown = new int[hw];
        int n = 0;
        for (int p = 0; p < hw; p++) {
            unknown[p] = removed[p] ? n++ : -1;
        }
        float[] out = chw.data().clone();
        if (n == 0) {
            return new Tensor(chw.shape().clone(), out);
        }
        if (n == hw) {
            throw new IllegalArgumentException("ROAD cannot impute an image with every pixel removed");
        }
        int[] pixel = new int[n];
        for (int p = 0; p < hw; p++) {
            if (unknown[p] >= 0) {
                pixel[unknown[p]] = p;
            }
        }
        // per unknown: its diagonal (sum of in-image neighbour weights) and its removed neighbours with their weights
        double[] diagonal = new double[n];
        int[][] neighbours = new int[n][];
        double[][] weights = new double[n][];
        for (int i = 0; i < n; i++) {
            int y = pixel[i] / w;
            int x = pixel[i] % w;
            int[] nb = new int[8];
            double[] nw = new double[8];
            int count = 0;
            for (int[] o : OFFSETS) {
                int yy = y + o[0];
                int xx = x + o[1];
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
                    continue;
                }
                double wt = o[0] != 0 && o[1] != 0 ? DIAGONAL : DIRECT;
                diagonal[i] += wt;
                int j = unknown[yy * w + xx];
                if (j >= 0) {
                    nb[count] = j;
                    nw[count++] = wt;
                }
            }
            neighbours[i] = Arrays.copyOf(nb, count);
            weights[i] = Arrays.copyOf(nw, count);
        }
        for (int ch = 0; ch < c; ch++) {
            int base = ch * hw;
            double[] rhs = new double[n];
            for (int i = 0; i < n; i++) {
                int y = pixel[i] / w;
                int x = pixel[i] % w;
                for (int[] o : OFFSETS) {
                    int yy = y + o[0];
                    int xx = x + o[1];
                    if (yy >= 0 && yy < h && xx >= 0 && xx < w && unknown[yy * w + xx] < 0) {
                        rhs[i] += (o[0] != 0 && o[1] != 0 ? DIAGONAL : DIRECT) * chw.data()[base + yy * w + xx];
                    }
                }
            }
            double[] v = conjugateGradient(diagonal, neighbours, weights, rhs);
            for (int i = 0; i < n; i++) {
                out[base + pixel[i]] = (float) (v[i] + (noise > 0 ? noise * random.nextGaussian() : 0));
            }
        }
        return new Tensor(chw.shape().clone(), out);
    }

    private static double[] multiply(double[] diagonal, int[][] neighbours, double[][] weights, double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double s = diagonal[i] * v[i];
            for (int k = 0; k < neighbours[i].length; k++) {
                s -= weights[i][k] * v[neighbours[i][k]];
            }
            r[i] = s;
        }
        return r;
    }

    /** Preconditioned conjugate gradients for M v = b, M given by its diagonal and weighted removed neighbours. */
    static double[] conjugateGradient(double[] diagonal, int[][] neighbours, double[][] weights, double[] b) {
        int n = b.length;
        double[] v = new double[n];
        double[] r = b.clone();
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = r[i] / diagonal[i];
        }
        double[] p = z.clone();
        double rz = dot(r, z);
        double bNorm = Math.sqrt(dot(b, b));
        if (bNorm == 0) {
            return v;
        }
        for (int iter = 0; iter < 10 * n + 100; iter++) {
            double[] mp = multiply(diagonal, neighbours, weights, p);
            double alpha = rz / dot(p, mp);
            for (int i = 0; i < n; i++) {
                v[i] += alpha * p[i];
                r[i] -= alpha * mp[i];
            }
            if (Math.sqrt(dot(r, r)) <= 1e-10 * bNorm) {
                break;
            }
            for (int i = 0; i < n; i++) {
                z[i] = r[i] / diagonal[i];
            }
            double next = dot(r, z);
            double beta = next / rz;
            rz = next;
            for (int i = 0; i < n; i++) {
                p[i] = z[i] + beta * p[i];
            }
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
