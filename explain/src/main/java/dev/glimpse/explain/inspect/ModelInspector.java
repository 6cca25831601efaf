package dev.glimpse.explain.inspect;

import dev.glimpse.engine.onnx.Onnx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-layer analysis of an ONNX graph given the shape of every tensor: parameters (float initializers a node
 * reads, each counted once), multiply–accumulates per sample of Conv/ConvTranspose/Gemm/MatMul, and the
 * receptive field of every spatial (4-D) activation propagated from the input.
 */
public final class ModelInspector {

    private static final Set<String> SKIPPED = Set.of("Constant", "Identity");
    private static final Set<String> WINDOWED = Set.of("Conv", "MaxPool", "AveragePool", "LpPool");

    private ModelInspector() {
    }

    public static ModelReport inspect(Onnx.ModelProto model, Map<String, long[]> shapes) {
        Onnx.GraphProto g = model.getGraph();
        Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        for (Onnx.TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        String input = g.getInputList().stream().map(Onnx.ValueInfoProto::getName)
                .filter(n -> !initializers.containsKey(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the graph has no input besides initializers"));
        Map<String, ReceptiveField[]> fields = new HashMap<>();
        long[] inputShape = perSample(shapes.get(input));
        if (inputShape != null && inputShape.length == 3) {
            fields.put(input, new ReceptiveField[] {ReceptiveField.INPUT, ReceptiveField.INPUT});
        }
        Set<String> counted = new HashSet<>();
        List<LayerReport> layers = new ArrayList<>();
        long totalParams = 0;
        long totalMacs = 0;
        for (Onnx.NodeProto node : g.getNodeList()) {
            if (node.getOutputCount() == 0) {
                continue;
            }
            String out = node.getOutput(0);
            long[] outShape = perSample(shapes.get(out));
            ReceptiveField[] rf = receptiveField(node, fields, shapes, outShape);
            if (rf != null) {
                for (String o : node.getOutputList()) {
                    fields.put(o, rf);
                }
            }
            if (SKIPPED.contains(node.getOpType())) {
                continue;
            }
            long params = 0;
            for (String in : node.getInputList()) {
                Onnx.TensorProto t = initializers.get(in);
                if (t != null && isFloat(t) && counted.add(in)) {
                    params += elements(t.getDimsList());
                }
            }
            long macs = macs(node, shapes, initializers, outShape);
            totalParams += params;
            totalMacs += macs;
            layers.add(new LayerReport(node.getName().isEmpty() ? out : node.getName(), node.getOpType(),
                    List.copyOf(node.getInputList()), out, outShape, outShape == null ? -1 : elements(outShape),
                    params, macs, rf == null ? null : rf[0], rf == null ? null : rf[1]));
        }
        return new ModelReport(input, inputShape, layers, totalParams, totalMacs);
    }

    private static ReceptiveField[] receptiveField(Onnx.NodeProto node, Map<String, ReceptiveField[]> fields,
            Map<String, long[]> shapes, long[] outShape) {
        if (outShape == null || outShape.length != 3 || node.getInputCount() == 0) {
            return null;
        }
        ReceptiveField[] in = fields.get(node.getInput(0));
        if (WINDOWED.contains(node.getOpType())) {
            if (in == null) {
                return null;
            }
            long[] kernel = ints(node, "kernel_shape");
            if (kernel == null && node.getOpType().equals("Conv")) {
                long[] w = shapes.get(node.getInput(1));
                kernel = w == null ? null : new long[] {w[2], w[3]};
            }
            if (kernel == null || kernel.length != 2) {
                return null;
            }
            long[] strides = orDefault(ints(node, "strides"), 1);
            long[] dilations = orDefault(ints(node, "dilations"), 1);
            long[] pads = beginPads(node, shapes.get(node.getInput(0)), kernel, strides, dilations, outShape);
            ReceptiveField[] r = new ReceptiveField[2];
            for (int a = 0; a < 2; a++) {
                r[a] = in[a].window((int) kernel[a], (int) strides[a], (int) pads[a], (int) dilations[a]);
            }
            return r;
        }
        // element-wise, normalisation, concat, padding-free reshuffles: the widest input field carries over
        ReceptiveField[] best = null;
        for (String name : node.getInputList()) {
            ReceptiveField[] f = fields.get(name);
            if (f != null && (best == null || f[0].size() * f[1].size() > best[0].size() * best[1].size())) {
                best = f;
            }
        }
        return best;
    }

    private static long[] beginPads(Onnx.NodeProto node, long[] inShape, long[] kernel, long[] strides,
            long[] dilations, long[] outShape) {
        String autoPad = stringAttr(node, "auto_pad");
        if (autoPad != null && autoPad.startsWith("SAME") && inShape != null) {
            long[] p = new long[2];
            for (int a = 0; a < 2; a++) {
                long in = inShape[inShape.length - 2 + a];
                long eff = dilations[a] * (kernel[a] - 1) + 1;
                long total = Math.max(0, (outShape[1 + a] - 1) * strides[a] + eff - in);
                p[a] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
            }
            return p;
        }
        long[] pads = ints(node, "pads");
        return pads == null ? new long[] {0, 0} : new long[] {pads[0], pads[1]};
    }

    private static long macs(Onnx.NodeProto node, Map<String, long[]> shapes, Map<String, Onnx.TensorProto> inits,
            long[] outShape) {
        if (outShape == null) {
            return 0;
        }
        switch (node.getOpType()) {
            case "Conv" -> {
                long[] w = shapes.get(node.getInput(1));
                if (w == null) {
                    return 0;
                }
                // every output element needs (C_in / groups) * kh * kw products, which is the weight's per-filter size
                return elements(outShape) * (w[1] * w[2] * w[3]);
            }
            case "ConvTranspose" -> {
                long[] w = shapes.get(node.getInput(1));
                long[] x = perSample(shapes.get(node.getInput(0)));
                return w == null || x == null ? 0 : elements(x) * (w[1] * w[2] * w[3]);
            }
            case "Gemm" -> {
                long[] a = shapes.get(node.getInput(0));
                if (a == null) {
                    return 0;
                }
                boolean transA = intAttr(node, "transA", 0) == 1;
                long k = transA ? a[0] : a[1];
                return elements(outShape) * k;
            }
            case "MatMul" -> {
                long[] a = shapes.get(node.getInput(0));
                return a == null ? 0 : elements(outShape) * a[a.length - 1];
            }
            default -> {
                return 0;
            }
        }
    }

    /** Drops the batch axis of a shape of rank >= 2 (reports are per sample). */
    static long[] perSample(long[] shape) {
        if (shape == null || shape.length < 1) {
            return shape;
        }
        long[] s = new long[shape.length - 1];
        System.arraycopy(shape, 1, s, 0, s.length);
        return s;
    }

    static long elements(List<Long> dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= Math.max(d, 1);
        }
        return n;
    }

    private static boolean isFloat(Onnx.TensorProto t) {
        int type = t.getDataType();
        return type == Onnx.TensorProto.DataType.FLOAT_VALUE || type == Onnx.TensorProto.DataType.DOUBLE_VALUE
                || type == Onnx.TensorProto.DataType.FLOAT16_VALUE || type == Onnx.TensorProto.DataType.BFLOAT16_VALUE;
    }

    private static long[] ints(Onnx.NodeProto node, String name) {
        for (Onnx.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return null;
    }

    private static long intAttr(Onnx.NodeProto node, String name, long dflt) {
        for (Onnx.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    private static String stringAttr(Onnx.NodeProto node, String name) {
        for (Onnx.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getS().toStringUtf8();
            }
        }
        return null;
    }

    private static long[] orDefault(long[] v, long dflt) {
        return v == null || v.length < 2 ? new long[] {dflt, dflt} : v;
    }
}
