package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings a model into the form the gradient builder works on: batch dimension symbolic ("N") on inputs and
 * undeclared on outputs, opset raised to {@link OpsetUpgrade#TARGET} where possible, constants folded. The
 * forward computation is unchanged.
 */
public final class Canonicalization {

    private Canonicalization() {
    }

    /**
     * @param inputShapes shapes of the graph inputs (dimension 0 = batch, any value); inputs not listed use
     *                    their declared shape
     */
    public static OnnxModel apply(OnnxModel model, Map<String, long[]> inputShapes) {
        return apply(model, inputShapes, Set.of());
    }

    /** As {@link #apply(OnnxModel, Map)}; {@code fixedInputs} (weights fed as inputs) keep their full shape. */
    public static OnnxModel apply(OnnxModel model, Map<String, long[]> inputShapes, Set<String> fixed) {
        Map<String, long[]> shapes = resolvedInputShapes(model, inputShapes);
        Set<String> fixedInputs = new HashSet<>(fixed);
        Set<String> batch = batchInputs(model);
        for (String name : shapes.keySet()) {
            if (!batch.contains(name)) {
                fixedInputs.add(name);
            }
        }
        OnnxModel m = withSymbolicBatch(model, shapes, fixedInputs);
        m = generalizeFixedBatchReshapes(m, model, shapes, fixedInputs);
        ShapeInference.Result r = ShapeInference.infer(m, shapes);
        m = OpsetUpgrade.upgrade(m, r);
        return ConstantFolding.fold(m, shapes, fixedInputs);
    }

    /**
     * The graph inputs whose dimension 0 is the batch: those declaring it symbolic; when no input does (a model
     * exported with a fixed batch), the first input of rank 3 or more.
     */
    public static Set<String> batchInputs(OnnxModel model) {
        Set<String> out = new LinkedHashSet<>();
        for (ValueInfoProto v : model.inputs()) {
            long[] d = model.declaredShape(v.getName()).orElse(null);
            if (d != null && d.length > 0 && d[0] < 0) {
                out.add(v.getName());
            }
        }
        if (out.isEmpty()) {
            for (ValueInfoProto v : model.inputs()) {
                long[] d = model.declaredShape(v.getName()).orElse(null);
                if (d != null && d.length >= 3) {
                    out.add(v.getName());
                    break;
                }
            }
        }
        return out;
    }

    /** Declared input shapes overridden by {@code given}; dimension 0 set to 1 when symbolic. */
    public static Map<String, long[]> resolvedInputShapes(OnnxModel model, Map<String, long[]> given) {
        Map<String, long[]> shapes = new HashMap<>();
        for (ValueInfoProto v : model.inputs()) {
            long[] d = given.get(v.getName());
            if (d == null) {
                d = model.declaredShape(v.getName()).orElseThrow(() -> new IllegalArgumentException(
                        "input '" + v.getName() + "' declares no shape; give its shape explicitly"));
            }
            d = d.clone();
            if (d.length > 0 && d[0] < 0) {
                d[0] = 1;
            }
            for (int i = 0; i < d.length; i++) {
                if (d[i] < 0) {
                    throw new IllegalArgumentException("input '" + v.getName() + "' has symbolic dimension " + i
                            + " besides the batch; give its shape explicitly");
                }
            }
            shapes.put(v.getName(), d);
        }
        return shapes;
    }

    private static OnnxModel withSymbolicBatch(OnnxModel model, Map<String, long[]> shapes, Set<String> fixed) {
        GraphProto.Builder g = model.graph().toBuilder().clearInput().clearOutput().clearValueInfo();
        for (ValueInfoProto v : model.graph().getInputList()) {
            long[] s = shapes.get(v.getName());
            if (s == null || model.isInitializer(v.getName())) {
                g.addInput(v);
            } else {
                long[] d = s.clone();
                if (d.length > 0 && !fixed.contains(v.getName())) {
                    d[0] = -1;
                }
                g.addInput(OnnxModel.valueInfo(v.getName(), v.getType().getTensorType().getElemType(), d));
            }
        }
        for (ValueInfoProto v : model.graph().getOutputList()) {
            g.addOutput(OnnxModel.valueInfo(v.getName(), v.getType().getTensorType().getElemType(), null));
        }
        return OnnxModel.of(model.proto().toBuilder().setGraph(g).build());
    }

    /**
     * The model with its fixed-batch Reshape targets made to follow the batch ({@link #generalizeFixedBatchReshapes}),
     * nothing else changed: for forward sessions that run a fixed-batch export at other batch sizes once its inputs
     * are declared symbolic.
     */
    public static OnnxModel withBatchFollowingReshapes(OnnxModel model) {
        Map<String, long[]> shapes = resolvedInputShapes(model, Map.of());
        Set<String> fixedInputs = new HashSet<>();
        Set<String> batch = batchInputs(model);
        for (String name : shapes.keySet()) {
            if (!batch.contains(name)) {
                fixedInputs.add(name);
            }
        }
        return generalizeFixedBatchReshapes(model, model, shapes, fixedInputs);
    }

    /**
     * Models exported with a fixed batch often carry Reshape targets such as [1, 512]. When the data's dimension 0
     * equals the declared batch and so does the target's first entry, the entry becomes 0 ("copy dimension 0"), so
     * the Reshape follows the batch. When the batch is folded into dimension 0 with other factors or split out of it
     * (a constant target, or a Concat whose first entry is the constant batch, alone or times dimensions read with
     * Shape), the first entry becomes -1. Nothing changes at the declared batch.
     */
    private static OnnxModel generalizeFixedBatchReshapes(OnnxModel m, OnnxModel original, Map<String, long[]> shapes,
                                                          Set<String> fixedInputs) {
        Long declaredBatch = null;
        for (ValueInfoProto v : original.inputs()) {
            long[] d = original.declaredShape(v.getName()).orElse(null);
            if (!fixedInputs.contains(v.getName()) && d != null && d.length > 0 && d[0] > 0) {
                declaredBatch = d[0];
            }
        }
        if (declaredBatch == null) {
            return m;
        }
        Map<String, long[]> fixed = new HashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] d = e.getValue().clone();
            if (d.length > 0 && !fixedInputs.contains(e.getKey())) {
                d[0] = declaredBatch;
            }
            fixed.put(e.getKey(), d);
        }
        ShapeInference.Result r = ShapeInference.infer(m, fixed);
        GraphProto.Builder g = m.graph().toBuilder();
        Map<Integer, NodeProto> insertBefore = new HashMap<>();
        int k = 0;
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("Reshape") || n.getInputCount() < 2 || Attributes.getInt(n, "allowzero", 0) != 0) {
                continue;
            }
            long[] data = r.find(n.getInput(0)).orElse(null);
            ConstValue target = r.constant(n.getInput(1)).orElse(null);
            if (data == null || target == null || target.size() == 0 || data.length == 0) {
                continue;
            }
            long[] t = target.longs();
            if (!producedByShapeOf(m, n.getInput(1)) && foldsOrUnfoldsTheBatch(data, t, declaredBatch)) {
                // the batch multiplied into dimension 0 at export, or split out of it again (Swin's windows:
                // reshape(B * windows, w * w, C) exported as [64, 49, 96], view(B, H / w, W / w, w, w, C) as
                // [1, 8, 8, 7, 7, 96]): dimension 0 becomes -1, inferred from the others, which do not hold the batch
                t[0] = -1;
                String name = n.getInput(1) + "__batch" + (k++);
                g.addInitializer(Tensors.longs(name, t, t.length));
                g.setNode(i, n.toBuilder().setInput(1, name).build());
                continue;
            }
            boolean copiesTheBatch = t[0] == declaredBatch && data[0] == declaredBatch;
            if (copiesTheBatch && !producedByShapeOf(m, n.getInput(1))) {
                t[0] = 0;
                String name = n.getInput(1) + "__batch" + (k++);
                g.addInitializer(Tensors.longs(name, t, t.length));
                g.setNode(i, n.toBuilder().setInput(1, name).build());
                continue;
            }
            if (!copiesTheBatch && !foldsOrUnfoldsTheBatch(data, t, declaredBatch)) {
                continue;
            }
            // a target assembled by Concat from dimensions read with Shape and a first entry that is the batch traced
            // as a constant, alone or times a window count read with Shape (Swin: view(B, H / w, w, W / w, w, C),
            // reshape(B * windows, w * w, C), view(B, H / w, W / w, w, w, C) with B the export's 1): a copy of the
            // Concat, for this Reshape only, whose first entry is 0 ("copy dimension 0") when the data's dimension
            // 0 is the batch and the target's too, else -1 (the batch rides in dimension 0, inferred from the
            // other entries, which do not hold it)
            NodeProto concat = m.producer(n.getInput(1)).filter(c -> c.getOpType().equals("Concat")).orElse(null);
            if (concat != null && (isConstantBatchEntry(m, r, concat.getInput(0), declaredBatch)
                    || isScaledByConstantBatch(m, r, concat.getInput(0), declaredBatch))) {
                String zero = n.getInput(1) + "__batch_entry" + k;
                String copy = n.getInput(1) + "__batch" + (k++);
                g.addInitializer(Tensors.longs(zero, new long[] {copiesTheBatch ? 0 : -1}, 1));
                insertBefore.put(i, concat.toBuilder().setInput(0, zero).setOutput(0, copy)
                        .setName(concat.getName().isEmpty() ? "" : concat.getName() + "__batch").build());
                g.setNode(i, n.toBuilder().setInput(1, copy).build());
            }
        }
        if (!insertBefore.isEmpty()) {
            List<NodeProto> nodes = new ArrayList<>(g.getNodeList());
            g.clearNode();
            for (int i = 0; i < nodes.size(); i++) {
                if (insertBefore.containsKey(i)) {
                    g.addNode(insertBefore.get(i));
                }
                g.addNode(nodes.get(i));
            }
        }
        return OnnxModel.of(m.proto().toBuilder().setGraph(g).build());
    }

    /**
     * A fixed target whose dimension 0 holds the batch together with other factors: the data's dimension 0 is the
     * batch and the target's is a larger multiple of it (folding), or the target's is the batch and the data's a
     * larger multiple of it (unfolding); every other target entry is a plain size (no 0, no -1).
     */
    private static boolean foldsOrUnfoldsTheBatch(long[] data, long[] target, long declaredBatch) {
        for (int d = 1; d < target.length; d++) {
            if (target[d] <= 0) {
                return false;
            }
        }
        boolean folds = data[0] == declaredBatch && target[0] > declaredBatch && target[0] % declaredBatch == 0;
        boolean unfolds = target[0] == declaredBatch && data[0] > declaredBatch && data[0] % declaredBatch == 0;
        return folds || unfolds;
    }

    /** A one-element constant equal to the export's batch, computed from no Shape (so it cannot follow the batch). */
    private static boolean isConstantBatchEntry(OnnxModel m, ShapeInference.Result r, String tensor, long declaredBatch) {
        ConstValue v = r.constant(tensor).orElse(null);
        return v != null && v.size() == 1 && v.longs()[0] == declaredBatch && !readsAShape(m, tensor, new HashSet<>());
    }

    /**
     * A one-element entry computed as a product one of whose factors is {@link #isConstantBatchEntry a constant
     * batch} (through Unsqueeze and Cast, as torch.onnx writes B * windows).
     */
    private static boolean isScaledByConstantBatch(OnnxModel m, ShapeInference.Result r, String tensor, long declaredBatch) {
        NodeProto p = m.producer(tensor).orElse(null);
        while (p != null && (p.getOpType().equals("Unsqueeze") || p.getOpType().equals("Cast"))) {
            p = m.producer(p.getInput(0)).orElse(null);
        }
        if (p == null || !p.getOpType().equals("Mul")) {
            return false;
        }
        for (String factor : p.getInputList()) {
            if (isConstantBatchEntry(m, r, factor, declaredBatch) || isScaledByConstantBatch(m, r, factor, declaredBatch)) {
                return true;
            }
        }
        return false;
    }

    /** True when a Shape or Size node is among the tensor's producers, however far up. */
    private static boolean readsAShape(OnnxModel m, String tensor, Set<String> seen) {
        if (!seen.add(tensor) || m.isInitializer(tensor)) {
            return false;
        }
        NodeProto p = m.producer(tensor).orElse(null);
        if (p == null) {
            return !m.isInitializer(tensor); // a graph input: data, not a constant
        }
        if (p.getOpType().equals("Shape") || p.getOpType().equals("Size")) {
            return true;
        }
        for (String in : p.getInputList()) {
            if (!in.isEmpty() && readsAShape(m, in, seen)) {
                return true;
            }
        }
        return false;
    }

    /** True when the tensor is computed from a Shape node (then it follows the batch by itself). */
    private static boolean producedByShapeOf(OnnxModel m, String tensor) {
        if (m.isInitializer(tensor)) {
            return false;
        }
        NodeProto p = m.producer(tensor).orElse(null);
        if (p == null || p.getOpType().equals("Constant")) {
            return false;
        }
        return true;
    }

    static boolean isFloat(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE;
    }
}
