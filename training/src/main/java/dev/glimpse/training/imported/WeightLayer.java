package dev.glimpse.training.imported;

import dev.glimpse.engine.onnx.Onnx.NodeProto;
import java.util.ArrayList;
import java.util.List;

/**
 * A layer of an ONNX graph with trainable weights: Conv (weight, bias), Gemm (B, C), MatMul with an initializer
 * operand, or BatchNormalization (scale and bias only: its running statistics stay frozen, the node stays in
 * inference form). The classifier head is one layer (with a MatMul's bias Add) and always the last.
 *
 * @param uses the node inputs holding its weights
 */
record WeightLayer(String label, List<GraphIndex.Use> uses, boolean isHead) {

    static List<WeightLayer> all(GraphIndex graph, ClassifierHead head) {
        List<WeightLayer> layers = new ArrayList<>();
        List<NodeProto> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            if (i == head.node() || i == head.biasNode()) {
                continue;
            }
            NodeProto n = nodes.get(i);
            int[] slots = switch (n.getOpType()) {
                case "Conv", "Gemm", "BatchNormalization" -> new int[] {1, 2};
                case "MatMul" -> new int[] {0, 1};
                default -> new int[0];
            };
            List<GraphIndex.Use> uses = new ArrayList<>();
            for (int s : slots) {
                if (s < n.getInputCount() && !n.getInput(s).isEmpty() && graph.weight(n.getInput(s)).isPresent()) {
                    uses.add(new GraphIndex.Use(i, s));
                }
            }
            if (!uses.isEmpty()) {
                layers.add(new WeightLayer(n.getOpType() + " " + GraphIndex.nodeLabel(n), uses, false));
            }
        }
        List<GraphIndex.Use> headUses = new ArrayList<>();
        headUses.add(new GraphIndex.Use(head.node(), head.weightSlot()));
        if (head.bias() != null) {
            headUses.add(new GraphIndex.Use(head.biasNode() >= 0 ? head.biasNode() : head.node(), head.biasSlot()));
        }
        layers.add(new WeightLayer("head " + head.describe(), headUses, true));
        return layers;
    }
}
