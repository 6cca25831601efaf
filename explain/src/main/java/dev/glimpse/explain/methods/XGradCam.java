package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/** XGrad-CAM (Fu et al. 2020): w_k = sum_ij A^k_ij g^k_ij / sum_ij A^k_ij, map = ReLU(sum_k w_k A^k). */
public final class XGradCam extends GradientCamMethod {

    @Override
    public String name() {
        return "xgradcam";
    }

    @Override
    Tensor map(Tensor activation, Tensor gradient) {
        int c = activation.dim(1);
        int hw = activation.dim(2) * activation.dim(3);
        double[] w = new double[c];
        for (int k = 0; k < c; k++) {
            double num = 0;
            double den = 0;
            for (int i = 0; i < hw; i++) {
                float a = activation.data()[k * hw + i];
                num += a * gradient.data()[k * hw + i];
                den += a;
            }
            w[k] = num / (den + 1e-7);
        }
        return LayerMaps.weightedSum(activation, w);
    }
}
