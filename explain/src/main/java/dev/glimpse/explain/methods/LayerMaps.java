package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/** Arithmetic shared by the CAM family on a [1,C,h,w] activation (batch of one). */
final class LayerMaps {

    private LayerMaps() {
    }

    /** ReLU(sum_k w_k A_k) as [h,w]. */
    static Tensor weightedSum(Tensor activation, double[] weights) {
        int c = activation.dim(1);
        int hw = activation.dim(2) * activation.dim(3);
        float[] out = new float[hw];
        for (int k = 0; k < c; k++) {
            double w = weights[k];
            for (int i = 0; i < hw; i++) {
                out[i] += (float) (w * activation.data()[k * hw + i]);
            }
        }
        return relu(new Tensor(new int[] {activation.dim(2), activation.dim(3)}, out));
    }

    /** ReLU(sum_k f(A_k, G_k)) element-wise over positions, e.g. HiResCAM and LayerCAM. */
    static Tensor elementwise(Tensor activation, Tensor gradient, boolean reluGradient) {
        int c = activation.dim(1);
        int hw = activation.dim(2) * activation.dim(3);
        float[] out = new float[hw];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < hw; i++) {
                float g = gradient.data()[k * hw + i];
                out[i] += (reluGradient ? Math.max(0, g) : g) * activation.data()[k * hw + i];
            }
        }
        return relu(new Tensor(new int[] {activation.dim(2), activation.dim(3)}, out));
    }

    /** Mean of each channel of [1,C,h,w] over positions. */
    static double[] channelMeans(Tensor t) {
        int c = t.dim(1);
        int hw = t.dim(2) * t.dim(3);
        double[] m = new double[c];
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int i = 0; i < hw; i++) {
                s += t.data()[k * hw + i];
            }
            m[k] = s / hw;
        }
        return m;
    }

    static Tensor relu(Tensor t) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.max(0, d[i]);
        }
        return t;
    }

    /** First sample of a batch as [C,...] (the contract's raw arrays carry no batch axis). */
    static Tensor first(Tensor batch) {
        return batch.slice(0);
    }
}
