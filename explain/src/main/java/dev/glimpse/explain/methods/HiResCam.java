package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/** HiResCAM (Draelos and Carin 2020): map = ReLU(sum_k dy_c/dA^k * A^k), without averaging the gradient. */
public final class HiResCam extends GradientCamMethod {

    @Override
    public String name() {
        return "hirescam";
    }

    @Override
    Tensor map(Tensor activation, Tensor gradient) {
        return LayerMaps.elementwise(activation, gradient, false);
    }
}
