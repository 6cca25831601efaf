package dev.glimpse.explain.methods;

import dev.glimpse.explain.Tensor;

/**
 * Eigen-Grad-CAM (as in pytorch-grad-cam): the first principal component of G ⊙ A (gradient times activation,
 * element-wise), taken over the spatial positions exactly as {@link EigenCam} takes it of A — positions × channels,
 * centred per channel, projected on the first right singular vector; the sign is chosen so that the projection
 * agrees with sum_k G_k ⊙ A_k (singular vectors have no sign of their own), then ReLU.
 */
public final class EigenGradCam extends GradientCamMethod {

    @Override
    public String name() {
        return "eigengradcam";
    }

    @Override
    Tensor map(Tensor activation, Tensor gradient) {
        float[] product = new float[activation.size()];
        for (int i = 0; i < product.length; i++) {
            product[i] = activation.data()[i] * gradient.data()[i];
        }
        return EigenCam.principalProjection(new Tensor(activation.shape().clone(), product));
    }
}
