package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.LayerGradients;
import dev.glimpse.explain.render.Maps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * FullGrad (Srinivas and Fleuret 2019): S = ψ(∇_x y_c ⊙ x) summed over channels + Σ_l Σ_channels
 * up(ψ(∇_{z_l} y_c ⊙ b_l)), where z_l is the output of a layer with a bias b_l (broadcast over positions) — a Conv
 * with a bias, or a BatchNormalization, whose bias is B - mean·scale/sqrt(var + eps) — ψ(t) = |t| rescaled over the
 * whole [C,h,w] tensor to [0,1] ((|t| - min) / (max - min + 1e-6)), and up the bilinear resize to the input with
 * corners aligned, as in the paper's code. Only 4-D layer outputs count (the paper's "conv layers"); the bias of a
 * Gemm at the classifier has no spatial map. One fused call gives the input gradient and every layer's gradient.
 * The raw array is [H,W] at the input's resolution.
 */
public final class FullGrad implements ExplanationMethod {

    static final double EPS = 1e-6;

    /** The output of a layer with a bias, and that bias (one value per channel). */
    record BiasLayer(String output, float[] bias) {
    }

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.layerGradientSession(biasLayers(e).stream().map(BiasLayer::output).toList());
    }

    @Override
    public String name() {
        return "fullgrad";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        Tensor x = r.input();
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        List<BiasLayer> layers = biasLayers(e);
        LayerGradients.Pass pass = e.layerGradients(layers.stream().map(BiasLayer::output).toList(), x,
                e.oneHot(1, r.target()));
        float[] inputTerm = new float[c * h * w];
        for (int i = 0; i < inputTerm.length; i++) {
            inputTerm[i] = x.data()[i] * pass.inputGradient().data()[i];
        }
        float[] total = channelSum(postProcess(inputTerm), c, h * w);
        for (BiasLayer l : layers) {
            Tensor g = pass.layerGradients().get(l.output());
            int k = g.dim(1);
            int hw = g.dim(2) * g.dim(3);
            float[] biasTerm = new float[k * hw];
            for (int ch = 0; ch < k; ch++) {
                for (int i = 0; i < hw; i++) {
                    biasTerm[ch * hw + i] = g.data()[ch * hw + i] * l.bias()[ch];
                }
            }
            // resizing is linear: summing the channels first and resizing once gives the paper's sum of resized maps
            Tensor summed = new Tensor(new int[] {g.dim(2), g.dim(3)}, channelSum(postProcess(biasTerm), k, hw));
            float[] up = Maps.resizeAlignCorners(summed, h, w).data();
            for (int i = 0; i < up.length; i++) {
                total[i] += up[i];
            }
        }
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, new Tensor(new int[] {h, w}, total),
                Map.of("biasLayers", layers.size()));
    }

    /** ψ: absolute value, then rescaled over the whole tensor to [0,1]. */
    static float[] postProcess(float[] t) {
        float[] out = new float[t.length];
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < t.length; i++) {
            out[i] = Math.abs(t[i]);
            min = Math.min(min, out[i]);
        }
        double max = 0;
        for (int i = 0; i < t.length; i++) {
            max = Math.max(max, out[i] - min);
        }
        for (int i = 0; i < t.length; i++) {
            out[i] = (float) ((out[i] - min) / (max + EPS));
        }
        return out;
    }

    private static float[] channelSum(float[] chw, int c, int hw) {
        float[] out = new float[hw];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < hw; i++) {
                out[i] += chw[k * hw + i];
            }
        }
        return out;
    }

    /**
     * The values of a constant tensor: an initializer, a Constant node's value, or either through Identity nodes (torch
     * exports a bias shared by value between convolutions as Identity of one initializer); null when not constant.
     */
    static float[] constant(OnnxModel m, String tensor) {
        if (m.isInitializer(tensor)) {
            return m.initializerFloats(tensor);
        }
        var producer = m.producer(tensor);
        if (producer.isEmpty()) {
            return null;
        }
        var n = producer.get();
        if (n.getOpType().equals("Identity")) {
            return constant(m, n.getInput(0));
        }
        if (n.getOpType().equals("Constant")) {
            return Attributes.getTensor(n, "value").map(Tensors::toFloats).orElse(null);
        }
        return null;
    }

    /** Every Conv with a bias and every BatchNormalization whose output is 4-D, in graph order. */
    static List<BiasLayer> biasLayers(Explainer e) {
        OnnxModel m = OnnxModel.of(e.model());
        List<BiasLayer> out = new ArrayList<>();
        for (var n : m.nodes()) {
            String output = n.getOutputCount() > 0 ? n.getOutput(0) : "";
            long[] shape = e.shape(output);
            if (shape == null || shape.length != 4) {
                continue;
            }
            if (n.getOpType().equals("Conv") && n.getInputCount() > 2 && constant(m, n.getInput(2)) != null) {
                out.add(new BiasLayer(output, constant(m, n.getInput(2))));
            } else if (n.getOpType().equals("BatchNormalization") && n.getInputList().subList(1, 5).stream()
                    .allMatch(t -> constant(m, t) != null)) {
                float[] scale = constant(m, n.getInput(1));
                float[] b = constant(m, n.getInput(2));
                float[] mean = constant(m, n.getInput(3));
                float[] var = constant(m, n.getInput(4));
                float eps = Attributes.getFloat(n, "epsilon", 1e-5f);
                float[] bias = new float[b.length];
                for (int k = 0; k < b.length; k++) {
                    bias[k] = (float) (b[k] - mean[k] * scale[k] / Math.sqrt(var[k] + eps));
                }
                out.add(new BiasLayer(output, bias));
            }
        }
        return out;
    }
}
