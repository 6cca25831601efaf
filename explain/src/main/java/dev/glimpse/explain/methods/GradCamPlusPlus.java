package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/**
 * Grad-CAM++ (Chattopadhyay et al. 2018) with the usual exponential-output closed form:
 * a_ij = g^2 / (2 g^2 + sum_ab A_ab g^3), w_k = sum_ij a_ij ReLU(g_ij), map = ReLU(sum_k w_k A^k).
 */
public final class GradCamPlusPlus extends GradientCamMethod {

    @Override
    public String name() {
        return "gradcam++";
    }

    @Override
    Tensor map(Tensor activation, Tensor gradient) {
        int c = activation.dim(1);
        int hw = activation.dim(2) * activation.dim(3);
        double[] w = new double[c];
        for (int k = 0; k < c; k++) {
            double sumA = 0;
            for (int i = 0; i < hw; i++) {
                sumA += activation.data()[k * hw + i];
            }
            for (int i = 0; i < hw; i++) {
                double g = gradient.data()[k * hw + i];
                double g2 = g * g;
                double denom = 2 * g2 + sumA * g2 * g;
                double a = g != 0 && denom != 0 ? g2 / denom : 0;
                w[k] += a * Math.max(0, g);
            }
        }
        return LayerMaps.weightedSum(activation, w);
    }
}
