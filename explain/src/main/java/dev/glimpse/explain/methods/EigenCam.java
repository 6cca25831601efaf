package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Eigen-CAM (Muhammad and Yeasin 2020), class-agnostic: the activation as a matrix of positions × channels,
 * centred per channel, projected on its first principal direction (power iteration on the channel
 * covariance); the sign is chosen to agree with the mean activation, then ReLU.
 */
public final class EigenCam implements ExplanationMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.prepareForward(List.of(e.requireLayer(layer)));
    }

    @Override
    public String name() {
        return "eigencam";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String layer = e.requireLayer(r.layer());
        Tensor a = e.forward(r.input(), List.of(layer)).get(layer);
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, principalProjection(a), Map.of());
    }

    static Tensor principalProjection(Tensor a) {
        int c = a.dim(1);
        int hw = a.dim(2) * a.dim(3);
        double[][] x = new double[hw][c];
        for (int k = 0; k < c; k++) {
            double mean = 0;
            for (int i = 0; i < hw; i++) {
                mean += a.data()[k * hw + i];
            }
            mean /= hw;
            for (int i = 0; i < hw; i++) {
                x[i][k] = a.data()[k * hw + i] - mean;
            }
        }
        // power iteration on X^T X without forming it: v <- X^T (X v)
        double[] v = new double[c];
        Arrays.fill(v, 1 / Math.sqrt(c));
        double[] p = new double[hw];
        for (int iter = 0; iter < 200; iter++) {
            for (int i = 0; i < hw; i++) {
                p[i] = dot(x[i], v);
            }
            double[] next = new double[c];
            for (int i = 0; i < hw; i++) {
                for (int k = 0; k < c; k++) {
                    next[k] += x[i][k] * p[i];
                }
            }
            double norm = Math.sqrt(dot(next, next));
            if (norm == 0) {
                break;
            }
            double change = 0;
            for (int k = 0; k < c; k++) {
                next[k] /= norm;
                change += Math.abs(next[k] - v[k]);
            }
            v = next;
            if (change < 1e-9) {
                break;
            }
        }
        double agreement = 0;
        float[] out = new float[hw];
        for (int i = 0; i < hw; i++) {
            p[i] = dot(x[i], v);
            double meanAct = 0;
            for (int k = 0; k < c; k++) {
                meanAct += a.data()[k * hw + i];
            }
            agreement += p[i] * meanAct;
        }
        double sign = agreement < 0 ? -1 : 1;
        for (int i = 0; i < hw; i++) {
            out[i] = (float) Math.max(0, sign * p[i]);
        }
        return new Tensor(new int[] {a.dim(2), a.dim(3)}, out);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
