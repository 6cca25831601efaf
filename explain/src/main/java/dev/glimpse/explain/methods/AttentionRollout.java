package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.tokens.LayoutDetection;
import dev.glimpse.explain.tokens.TokenLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Attention rollout (Abnar and Zuidema 2020) for vision transformers. The attention probabilities are the
 * outputs of the graph's Softmax nodes over square [T, T] scores: [N·heads, T, T] as torch 1.13 exports them or
 * [N, heads, T, T] (the head count is read from the executed shapes at batch 1). Per block l, in graph order:
 * Â_l = rownorm(mean_heads(A_l) + I); R = Â_L · … · Â_1. The map is the class token's row of R over the grid tokens,
 * [h, w] (grid as for token layers: {@code tokens.grid} or the input's aspect ratio). Windowed attention (Swin:
 * several windows per image, or a T that changes between blocks) has no rollout and is refused.
 */
public final class AttentionRollout implements ExplanationMethod {

    @Override
    public String name() {
        return "attention-rollout";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        List<String> attention = attentionProbabilities(e);
        long[] first = e.shape(attention.get(0));
        int t = (int) first[first.length - 1];
        TokenLayout grid = LayoutDetection.tokenGrid("the attention", new long[] {1, t, 1}, e.inputShape(),
                r.options().string(LayoutDetection.GRID, null));
        double[][] rollout = identity(t);
        int n = r.input().dim(0);
        if (n != 1) {
            throw new IllegalArgumentException("attention-rollout explains one input at a time, got a batch of " + n);
        }
        Map<String, Tensor> probs = e.forward(r.input(), attention);
        for (String a : attention) {
            Tensor p = probs.get(a);
            int heads = p.rank() == 3 ? p.dim(0) : p.dim(1);
            double[][] mixed = identity(t);
            float[] d = p.data();
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        mixed[i][j] += d[(h * t + i) * t + j] / (double) heads;
                    }
                }
            }
            for (double[] row : mixed) {
                double s = Arrays.stream(row).sum();
                for (int j = 0; j < t; j++) {
                    row[j] /= s;
                }
            }
            rollout = multiply(mixed, rollout);
        }
        float[] map = new float[grid.height() * grid.width()];
        for (int g = 0; g < map.length; g++) {
            map[g] = (float) rollout[0][grid.prefix() + g];
        }
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, new Tensor(new int[] {grid.height(), grid.width()}, map),
                Map.of("blocks", attention.size(), "tokens", t, "leadingTokens", grid.prefix()));
    }

    /** The Softmax outputs that are attention probabilities, in graph order; refuses windowed attention. */
    static List<String> attentionProbabilities(Explainer e) {
        List<String> out = new ArrayList<>();
        long tokens = -1;
        for (Onnx.NodeProto n : e.model().getGraph().getNodeList()) {
            if (!n.getOpType().equals("Softmax")) {
                continue;
            }
            long[] s = e.shape(n.getOutput(0));
            if (s == null || s.length < 3 || s[s.length - 1] != s[s.length - 2]) {
                continue;
            }
            if ((s.length == 4 && s[0] != 1) || s.length > 4 || (tokens >= 0 && s[s.length - 1] != tokens)) {
                throw new IllegalArgumentException("attention-rollout needs global attention over all tokens; softmax '"
                        + n.getOutput(0) + "' " + Arrays.toString(s) + " is windowed (Swin-style): use gradcam on a "
                        + "stage output instead");
            }
            tokens = s[s.length - 1];
            out.add(n.getOutput(0));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("attention-rollout found no attention probabilities (Softmax over "
                    + "square [T, T] scores) in the model");
        }
        return out;
    }

    private static double[][] identity(int t) {
        double[][] m = new double[t][t];
        for (int i = 0; i < t; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        int t = a.length;
        double[][] c = new double[t][t];
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < t; k++) {
                double v = a[i][k];
                for (int j = 0; j < t; j++) {
                    c[i][j] += v * b[k][j];
                }
            }
        }
        return c;
    }
}
