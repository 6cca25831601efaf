package dev.glimpse.explain.tokens;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.onnx.Onnx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transformer structure the default layer needs: the inputs of the norms over the last axis of [N, T, D]
 * tokens, in graph order (LayerNormalization, or the ReduceMean(x, axes=[-1]) whose x a Sub also reads, as exporters
 * decompose it before opset 17), and whether the head reads the class token (a Gather of index 0 or a Slice [0:1]
 * on the token axis after the last norm) or pools the tokens.
 */
public final class TransformerBlocks {

    private TransformerBlocks() {
    }

    /**
     * Class-token head: the input of the last block's first norm (the third norm input from the end: ln_1 and ln_2
     * of the last block, then the final norm); pooled head: the final norm's input. Null when the graph has no
     * token norms (a CNN).
     */
    public static String defaultLayer(Onnx.GraphProto graph, Map<String, long[]> shapes) {
        List<String> norms = normInputs(graph, shapes);
        if (norms.isEmpty()) {
            return null;
        }
        if (readsClassToken(graph, norms.get(norms.size() - 1)) && norms.size() >= 3) {
            return norms.get(norms.size() - 3);
        }
        return norms.get(norms.size() - 1);
    }

    /** Inputs of the norms over the last axis of 3-D token tensors, in graph order, without repeats. */
    static List<String> normInputs(Onnx.GraphProto graph, Map<String, long[]> shapes) {
        Map<String, List<Onnx.NodeProto>> readers = new HashMap<>();
        for (Onnx.NodeProto n : graph.getNodeList()) {
            for (String i : n.getInputList()) {
                readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
        }
        List<String> out = new ArrayList<>();
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (n.getInputCount() == 0) {
                continue;
            }
            String x = n.getInput(0);
            long[] s = shapes.get(x);
            if (s == null || s.length != 3) {
                continue;
            }
            boolean norm = false;
            if (n.getOpType().equals("LayerNormalization")) {
                long axis = Attributes.getInt(n, "axis", -1);
                norm = axis == -1 || axis == 2;
            } else if (n.getOpType().equals("ReduceMean")) {
                long[] axes = Attributes.getInts(n, "axes", null);
                norm = axes != null && (Arrays.equals(axes, new long[] {-1}) || Arrays.equals(axes, new long[] {2}))
                        && readers.getOrDefault(x, List.of()).stream().anyMatch(r -> r.getOpType().equals("Sub"));
            }
            if (norm && (out.isEmpty() || !out.get(out.size() - 1).equals(x))) {
                out.add(x);
            }
        }
        return out;
    }

    /** Whether something after {@code finalNormInput} picks token 0 on the token axis. */
    static boolean readsClassToken(Onnx.GraphProto graph, String finalNormInput) {
        boolean after = false;
        for (Onnx.NodeProto n : graph.getNodeList()) {
            after |= n.getInputList().contains(finalNormInput);
            if (!after) {
                continue;
            }
            if (n.getOpType().equals("Gather") && Attributes.getInt(n, "axis", 0) == 1 && n.getInputCount() > 1
                    && isZero(graph, n.getInput(1))) {
                return true;
            }
            if (n.getOpType().equals("Slice") && n.getInputCount() >= 4 && isZero(graph, n.getInput(1))
                    && isOne(graph, n.getInput(3))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isZero(Onnx.GraphProto g, String name) {
        long[] v = constant(g, name);
        return v != null && v.length == 1 && v[0] == 0;
    }

    private static boolean isOne(Onnx.GraphProto g, String name) {
        long[] v = constant(g, name);
        return v != null && v.length == 1 && v[0] == 1;
    }

    /** An int64 initializer or Constant's values, or null. */
    private static long[] constant(Onnx.GraphProto g, String name) {
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (t.getName().equals(name)) {
                return longs(t);
            }
        }
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutput(0).equals(name)) {
                return Attributes.getTensor(n, "value").map(TransformerBlocks::longs).orElse(null);
            }
        }
        return null;
    }

    private static long[] longs(Onnx.TensorProto t) {
        if (t.getDataType() != Onnx.TensorProto.DataType.INT64_VALUE) {
            return null;
        }
        if (t.getInt64DataCount() > 0) {
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        java.nio.LongBuffer b = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        long[] v = new long[b.remaining()];
        b.get(v);
        return v;
    }
}
