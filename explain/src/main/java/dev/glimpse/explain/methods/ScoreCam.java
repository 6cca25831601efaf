package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.Maps;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Score-CAM (Wang et al. 2020), gradient-free: each channel A^k, upsampled to the input and normalised to
 * [0,1], masks the input; the masked inputs are scored in batches; w = softmax_k(y_c(x ⊙ M_k)) and
 * map = ReLU(sum_k w_k A^k).
 */
public final class ScoreCam implements ExplanationMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.prepareForward(List.of(e.requireLayer(layer)));
    }

    @Override
    public String name() {
        return "scorecam";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String layer = e.requireLayer(r.layer());
        Tensor activation = e.forward(r.input(), List.of(layer)).get(layer);
        Tensor x = r.input();
        int c = activation.dim(1);
        int hw = activation.dim(2) * activation.dim(3);
        int ch = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        float[] scores = new float[c];
        int chunk = e.maxBatch();
        for (int first = 0; first < c; first += chunk) {
            int n = Math.min(chunk, c - first);
            float[] batch = new float[n * ch * h * w];
            for (int b = 0; b < n; b++) {
                int k = first + b;
                float[] channel = Arrays.copyOfRange(activation.data(), k * hw, (k + 1) * hw);
                Tensor mask = Maps.normalize(Maps.resize(new Tensor(new int[] {activation.dim(2), activation.dim(3)}, channel), h, w));
                for (int cc = 0; cc < ch; cc++) {
                    for (int i = 0; i < h * w; i++) {
                        batch[((b * ch) + cc) * h * w + i] = x.data()[cc * h * w + i] * mask.data()[i];
                    }
                }
            }
            Tensor logits = e.logits(new Tensor(new int[] {n, ch, h, w}, batch));
            int k = logits.size() / n;
            for (int b = 0; b < n; b++) {
                scores[first + b] = logits.data()[b * k + r.target()];
            }
        }
        double[] weights = new double[c];
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int k = 0; k < c; k++) {
            weights[k] = Math.exp(scores[k] - max);
            sum += weights[k];
        }
        for (int k = 0; k < c; k++) {
            weights[k] /= sum;
        }
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, LayerMaps.weightedSum(activation, weights), Map.of("maskedInputs", c));
    }
}
