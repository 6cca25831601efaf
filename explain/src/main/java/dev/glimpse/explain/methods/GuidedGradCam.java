package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.ReluRule;
import dev.glimpse.explain.render.Maps;
import java.util.Map;

/** Guided Grad-CAM: the guided-backprop gradient [C,H,W] times the Grad-CAM map upsampled to the input. */
public final class GuidedGradCam implements ExplanationMethod {

    @Override
    public String name() {
        return "guided-gradcam";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        Tensor cam = new GradCam().explain(e, r).raw();
        Tensor guided = InputGradient.gradient(e, r, ReluRule.GUIDED);
        int c = guided.dim(0);
        int h = guided.dim(1);
        int w = guided.dim(2);
        Tensor up = Maps.resize(cam, h, w);
        float[] out = new float[guided.size()];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < h * w; i++) {
                out[k * h * w + i] = guided.data()[k * h * w + i] * up.data()[i];
            }
        }
        return new Explanation(name(), Explanation.Kind.INPUT_ATTRIBUTION, new Tensor(guided.shape(), out), Map.of());
    }
}
