package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.Maps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Guided Grad-CAM: the guided-backprop gradient [C,H,W] times the Grad-CAM map upsampled to the input. */
public final class GuidedGradCam implements BatchedMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.differentiator(null, null, ReluRule.GUIDED);
        new GradCam().prepare(e, layer);
    }

    @Override
    public String name() {
        return "guided-gradcam";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        return explainAll(e, r.input(), new int[] {r.target()}, r.layer(), r.options()).get(0);
    }

    @Override
    public List<Explanation> explainAll(Explainer e, Tensor inputs, int[] targets, String layer, Options options)
            throws OrtException {
        List<Explanation> cams = new GradCam().explainAll(e, inputs, targets, layer, options);
        Tensor guidedAll = InputGradient.gradients(e, inputs, targets, ReluRule.GUIDED);
        List<Explanation> out = new ArrayList<>(targets.length);
        for (int n = 0; n < targets.length; n++) {
            Tensor guided = guidedAll.slice(n);
            int c = guided.dim(0);
            int h = guided.dim(1);
            int w = guided.dim(2);
            Tensor up = Maps.resize(cams.get(n).raw(), h, w);
            float[] v = new float[guided.size()];
            for (int k = 0; k < c; k++) {
                for (int i = 0; i < h * w; i++) {
                    v[k * h * w + i] = guided.data()[k * h * w + i] * up.data()[i];
                }
            }
            out.add(new Explanation(name(), Explanation.Kind.INPUT_ATTRIBUTION, new Tensor(guided.shape(), v), Map.of()));
        }
        return out;
    }
}
