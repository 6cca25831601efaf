package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/** LayerCAM (Jiang et al. 2021): map = ReLU(sum_k ReLU(dy_c/dA^k) * A^k), position by position. */
public final class LayerCam extends GradientCamMethod {

    @Override
    public String name() {
        return "layercam";
    }

    @Override
    Tensor map(Tensor activation, Tensor gradient) {
        return LayerMaps.elementwise(activation, gradient, true);
    }
}
