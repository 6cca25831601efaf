package dev.glimpse.inference;

import java.util.Arrays;

/** Softmax and top-k over one row of scores. */
public final class ClassScores {

    private ClassScores() {
    }

    /** Numerically stable softmax (the max is subtracted before exponentiating). */
    public static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    /** Indices of the {@code k} largest values, largest first; ties keep the lower index first. */
    public static int[] topK(float[] values, int k) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> values[b] != values[a] ? Float.compare(values[b], values[a]) : Integer.compare(a, b));
        int n = Math.min(k, values.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
