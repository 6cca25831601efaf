package dev.glimpse.training.imported;

import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Who produces and who reads each tensor of one graph, and which initializer a weight input really is. */
final class GraphIndex {

    /** One use of a tensor: input {@code slot} of node number {@code node}. */
    record Use(int node, int slot) {
    }

    private final GraphProto graph;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();

    GraphIndex(GraphProto graph) {
        this.graph = graph;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String o : graph.getNode(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
    }

    GraphProto graph() {
        return graph;
    }

    List<NodeProto> nodes() {
        return graph.getNodeList();
    }

    Optional<NodeProto> producer(String tensor) {
        Integer i = producer.get(tensor);
        return i == null ? Optional.empty() : Optional.of(graph.getNode(i));
    }

    boolean isProduced(String tensor) {
        return producer.containsKey(tensor);
    }

    Optional<TensorProto> initializer(String name) {
        return Optional.ofNullable(initializers.get(name));
    }

    /**
     * The initializer a tensor is, looking through Identity nodes (torch.onnx shares equal-valued parameters of
     * several layers through Identity); empty when the tensor is computed from data.
     */
    Optional<String> weight(String tensor) {
        String t = tensor;
        for (int guard = 0; guard < 64; guard++) {
            if (initializers.containsKey(t)) {
                return initializers.get(t).getDataType() == TensorProto.DataType.FLOAT_VALUE
                        ? Optional.of(t) : Optional.empty();
            }
            Optional<NodeProto> p = producer(t);
            if (p.isEmpty() || !p.get().getOpType().equals("Identity")) {
                return Optional.empty();
            }
            t = p.get().getInput(0);
        }
        return Optional.empty();
    }

    /** Every non-Identity node input that is (through Identity nodes) the initializer {@code weight}. */
    List<Use> usesOf(String weight) {
        List<Use> uses = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            if (n.getOpType().equals("Identity")) {
                continue;
            }
            for (int s = 0; s < n.getInputCount(); s++) {
                if (!n.getInput(s).isEmpty() && weight(n.getInput(s)).filter(weight::equals).isPresent()) {
                    uses.add(new Use(i, s));
                }
            }
        }
        return uses;
    }

    /** Nodes reading {@code tensor} directly. */
    List<NodeProto> consumers(String tensor) {
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            if (n.getInputList().contains(tensor)) {
                out.add(n);
            }
        }
        return out;
    }

    static String nodeLabel(NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "->" + n.getOutput(0) : n.getName();
    }
}
