package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Folds what exporters leave behind into initializers: Constant nodes, Identity and inference-mode Dropout,
 * shape arithmetic (Shape→Gather→Unsqueeze→Concat, Reshape targets) and operators on initializers only.
 *
 * <p>The batch dimension stays dynamic: shape arithmetic is evaluated for two batch sizes and only values equal in
 * both are folded, so a Reshape target built from {@code Shape(x)[0]} keeps being computed at run time while one
 * built from the channel count becomes a constant.
 */
public final class ConstantFolding {

    private static final long BATCH_A = 1;
    private static final long BATCH_B = 3;

    private ConstantFolding() {
    }

    /** Folds with input shapes from the model's declarations (dimension 0 taken as the batch). */
    public static OnnxModel fold(OnnxModel model) {
        Map<String, long[]> shapes = new HashMap<>();
        for (ValueInfoProto v : model.inputs()) {
            model.declaredShape(v.getName()).ifPresent(d -> shapes.put(v.getName(), d));
        }
        return fold(model, shapes);
    }

    /**
     * Folds with the given input shapes; dimension 0 of each is the batch and is varied, other dimensions are
     * taken as fixed. Inputs whose shapes are unknown (negative dims beyond 0) only allow pure constants to fold.
     */
    public static OnnxModel fold(OnnxModel model, Map<String, long[]> inputShapes) {
        Set<String> fixed = new HashSet<>(inputShapes.keySet());
        fixed.removeAll(Canonicalization.batchInputs(model));
        return fold(model, inputShapes, fixed);
    }

    /** As {@link #fold(OnnxModel, Map)}, with {@code fixedInputs} (e.g. weights fed as inputs) not batch-varied. */
    public static OnnxModel fold(OnnxModel model, Map<String, long[]> inputShapes, Set<String> fixedInputs) {
        ShapeInference.Result a = ShapeInference.infer(model, withBatch(inputShapes, BATCH_A, fixedInputs));
        ShapeInference.Result b = ShapeInference.infer(model, withBatch(inputShapes, BATCH_B, fixedInputs));
        GraphProto g = model.graph();
        Set<String> graphOutputs = new HashSet<>(model.outputNames());
        Map<String, TensorProto> newInits = new LinkedHashMap<>();
        Map<String, String> rename = new HashMap<>();
        List<NodeProto> kept = new ArrayList<>();

        for (NodeProto n : g.getNodeList()) {
            NodeProto node = renamed(n, rename);
            if (foldable(node, a, b, graphOutputs)) {
                for (String o : node.getOutputList()) {
                    if (!o.isEmpty()) {
                        newInits.put(o, a.constant(o).orElseThrow().toTensor(o));
                    }
                }
                continue;
            }
            String op = node.getOpType();
            boolean passThrough = op.equals("Identity") || (op.equals("Dropout") && !trainingDropout(node, a)
                    && (node.getOutputCount() < 2 || node.getOutput(1).isEmpty() || !isUsed(g, node.getOutput(1), graphOutputs)));
            if (passThrough && node.getDomain().isEmpty() && !graphOutputs.contains(node.getOutput(0))) {
                rename.put(node.getOutput(0), node.getInput(0));
                continue;
            }
            if (op.equals("Dropout") && node.getDomain().isEmpty()) {
                // inference: the mask output is used somewhere, so keep the node but as plain Identity of the data
                kept.add(node);
                continue;
            }
            kept.add(node);
        }

        GraphProto.Builder gb = g.toBuilder().clearNode().clearInitializer();
        for (NodeProto n : kept) {
            gb.addNode(n);
        }
        Map<String, TensorProto> inits = new LinkedHashMap<>(model.initializers());
        inits.putAll(newInits);
        // graph outputs that were renamed away cannot happen (we never rename graph outputs), so prune dead code
        Set<String> live = new HashSet<>(graphOutputs);
        List<NodeProto> reversed = new ArrayList<>(kept);
        Collections.reverse(reversed);
        Set<NodeProto> liveNodes = new HashSet<>();
        for (NodeProto n : reversed) {
            boolean needed = n.getOutputList().stream().anyMatch(live::contains);
            if (needed) {
                liveNodes.add(n);
                live.addAll(n.getInputList());
            }
        }
        gb.clearNode();
        for (NodeProto n : kept) {
            if (liveNodes.contains(n)) {
                gb.addNode(n);
            }
        }
        Set<String> graphInputs = new HashSet<>();
        g.getInputList().forEach(v -> graphInputs.add(v.getName()));
        for (TensorProto t : inits.values()) {
            if (live.contains(t.getName()) || graphInputs.contains(t.getName())) {
                gb.addInitializer(t);
            }
        }
        // value_info of removed values would only confuse later passes
        gb.clearValueInfo();
        ModelProto mp = model.proto().toBuilder().setGraph(gb).build();
        return OnnxModel.of(mp);
    }

    private static boolean foldable(NodeProto n, ShapeInference.Result a, ShapeInference.Result b, Set<String> graphOutputs) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            return false;
        }
        if (n.getOutputCount() == 0) {
            return false;
        }
        for (String o : n.getOutputList()) {
            if (o.isEmpty()) {
                continue;
            }
            if (graphOutputs.contains(o)) {
                return false;
            }
            Optional<ConstValue> x = a.constant(o);
            Optional<ConstValue> y = b.constant(o);
            if (x.isEmpty() || y.isEmpty() || !x.get().sameAs(y.get()) || x.get().toTensor(o) == null) {
                return false;
            }
        }
        return true;
    }

    /** Dropout with a training_mode input that is not constant false (opset 12+) really drops. */
    static boolean trainingDropout(NodeProto n, ShapeInference.Result r) {
        if (n.getInputCount() < 3 || n.getInput(2).isEmpty()) {
            return false;
        }
        Optional<ConstValue> mode = r.constant(n.getInput(2));
        return mode.isEmpty() || mode.get().integer(0) != 0;
    }

    private static boolean isUsed(GraphProto g, String name, Set<String> graphOutputs) {
        if (graphOutputs.contains(name)) {
            return true;
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getInputList().contains(name)) {
                return true;
            }
        }
        return false;
    }

    private static NodeProto renamed(NodeProto n, Map<String, String> rename) {
        if (rename.isEmpty()) {
            return n;
        }
        NodeProto.Builder b = n.toBuilder();
        for (int i = 0; i < b.getInputCount(); i++) {
            String r = rename.get(b.getInput(i));
            if (r != null) {
                b.setInput(i, r);
            }
        }
        return b.build();
    }

    private static Map<String, long[]> withBatch(Map<String, long[]> shapes, long batch, Set<String> fixed) {
        Map<String, long[]> out = new HashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] d = e.getValue().clone();
            if (d.length > 0 && !fixed.contains(e.getKey())) {
                d[0] = batch;
            }
            boolean known = true;
            for (long x : d) {
                known &= x >= 0;
            }
            if (known) {
                out.put(e.getKey(), d);
            }
        }
        return out;
    }
}
