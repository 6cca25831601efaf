package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/** Grad-CAM (Selvaraju et al. 2017): alpha_k = mean_ij dy_c/dA^k_ij, map = ReLU(sum_k alpha_k A^k). */
public final class GradCam extends GradientCamMethod {

    @Override
    public String name() {
        return "gradcam";
    }

    @Override
    Tensor map(Tensor activation, Tensor gradient) {
        return LayerMaps.weightedSum(activation, LayerMaps.channelMeans(gradient));
    }
}
