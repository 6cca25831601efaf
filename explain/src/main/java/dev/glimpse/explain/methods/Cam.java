package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CAM (Zhou et al. 2016) for models ending in global average pooling then a linear classifier:
 * map = ReLU(sum_k W[c,k] A^k) with W the classifier weights read from the model. The layer must be what the
 * global pooling reads.
 */
public final class Cam implements ExplanationMethod {

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.prepareForward(List.of(e.requireLayer(layer)));
    }

    @Override
    public String name() {
        return "cam";
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        String layer = e.requireLayer(r.layer());
        Onnx.GraphProto g = e.model().getGraph();
        boolean pooled = g.getNodeList().stream().anyMatch(n -> n.getInputCount() > 0 && n.getInput(0).equals(layer)
                && (n.getOpType().equals("GlobalAveragePool") || n.getOpType().equals("ReduceMean")));
        if (!pooled) {
            throw new IllegalArgumentException("cam needs the layer to feed a GlobalAveragePool (or ReduceMean); '"
                    + layer + "' does not — use gradcam, which equals CAM up to scale on such models");
        }
        Tensor a = e.forward(r.input(), List.of(layer)).get(layer);
        int c = a.dim(1);
        double[] weights = classifierRow(g, r.target(), c);
        return new Explanation(name(), Explanation.Kind.LAYER_MAP, LayerMaps.weightedSum(a, weights), Map.of());
    }

    /** Row {@code target} of the last Gemm/MatMul weight whose input side has {@code channels} features. */
    static double[] classifierRow(Onnx.GraphProto g, int target, int channels) {
        Map<String, Onnx.TensorProto> inits = new HashMap<>();
        g.getInitializerList().forEach(t -> inits.put(t.getName(), t));
        for (int i = g.getNodeCount() - 1; i >= 0; i--) {
            Onnx.NodeProto n = g.getNode(i);
            if (!(n.getOpType().equals("Gemm") || n.getOpType().equals("MatMul")) || n.getInputCount() < 2) {
                continue;
            }
            Onnx.TensorProto w = inits.get(n.getInput(1));
            if (w == null || w.getDimsCount() != 2) {
                continue;
            }
            boolean transB = n.getOpType().equals("Gemm") && n.getAttributeList().stream()
                    .anyMatch(a -> a.getName().equals("transB") && a.getI() == 1);
            int rows = (int) w.getDims(0);
            int cols = (int) w.getDims(1);
            int in = transB ? cols : rows;
            int out = transB ? rows : cols;
            if (in != channels) {
                throw new IllegalArgumentException("cam: the classifier has " + in + " inputs but the layer has " + channels + " channels");
            }
            if (target >= out) {
                throw new IllegalArgumentException("--target " + target + " is outside the classifier's " + out + " classes");
            }
            float[] values = floats(w);
            double[] row = new double[in];
            for (int k = 0; k < in; k++) {
                row[k] = transB ? values[target * cols + k] : values[k * cols + target];
            }
            return row;
        }
        throw new IllegalArgumentException("cam: no linear classifier (Gemm/MatMul with constant weights) found");
    }

    static float[] floats(Onnx.TensorProto t) {
        if (t.getFloatDataCount() > 0) {
            float[] f = new float[t.getFloatDataCount()];
            for (int i = 0; i < f.length; i++) {
                f[i] = t.getFloatData(i);
            }
            return f;
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
