package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Occlusion (Zeiler and Fergus 2014): a window × window patch set to occlusion.value (0) slides with
 * occlusion.stride; each position's value is p_c(x) - p_c(x occluded). All occluded inputs are scored in
 * batches. Raw array [gy, gx], one value per window position (window 16, stride 8 by default).
 */
public final class Occlusion implements ExplanationMethod {

    @Override
    public String name() {
        return "occlusion";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        Tensor x = r.input();
        int ch = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int window = r.options().integer("occlusion.window", Math.max(1, Math.min(16, Math.min(h, w) / 4)), 1);
        int stride = r.options().integer("occlusion.stride", Math.max(1, window / 2), 1);
        float value = (float) r.options().real("occlusion.value", 0, -Double.MAX_VALUE);
        if (window > h || window > w) {
            throw new IllegalArgumentException("option occlusion.window must fit the " + h + "x" + w + " input, got '" + window + "'");
        }
        int gy = (h - window) / stride + 1;
        int gx = (w - window) / stride + 1;
        int positions = gy * gx;
        float base = e.targetProbabilities(x, r.target())[0];
        float[] out = new float[positions];
        int chunk = e.maxBatch();
        int per = ch * h * w;
        for (int first = 0; first < positions; first += chunk) {
            int n = Math.min(chunk, positions - first);
            float[] batch = new float[n * per];
            for (int b = 0; b < n; b++) {
                System.arraycopy(x.data(), 0, batch, b * per, per);
                int py = (first + b) / gx * stride;
                int px = (first + b) % gx * stride;
                for (int c = 0; c < ch; c++) {
                    for (int y = py; y < py + window; y++) {
                        Arrays.fill(batch, b * per + c * h * w + y * w + px, b * per + c * h * w + y * w + px + window, value);
                    }
                }
            }
            float[] p = e.targetProbabilities(new Tensor(new int[] {n, ch, h, w}, batch), r.target());
            for (int b = 0; b < n; b++) {
                out[first + b] = base - p[b];
            }
        }
        return new Explanation(name(), Explanation.Kind.POSITION_MAP, new Tensor(new int[] {gy, gx}, out),
                Map.of("window", window, "stride", stride, "occludedInputs", positions));
    }
}
