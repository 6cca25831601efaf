package dev.glimpse.training.imported;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The layer of an ONNX classifier that produces the class scores: a Gemm, a MatMul (+ Add of a bias) or a 1x1 Conv
 * whose weight is an initializer. Found by walking back from the first graph output through layers that keep the
 * class axis (Identity, Dropout, Flatten, Reshape, Squeeze, Relu, GlobalAveragePool, Softmax, LogSoftmax), or named
 * by its output tensor.
 *
 * @param node       index of the Gemm / MatMul / Conv node
 * @param biasNode   index of the Add holding a MatMul's bias, or -1
 * @param output     the head's output tensor (the Add's output for MatMul + Add)
 * @param features   the head's input: the embedding it classifies
 * @param logits     the [N, classes] tensor the loss reads: the graph output, or the input of a final Softmax
 * @param weight     the weight initializer (through Identity nodes)
 * @param bias       the bias initializer, or null
 * @param weightSlot input slot of the weight on {@code node}
 * @param biasSlot   input slot of the bias on {@code node} (Gemm, Conv) or on {@code biasNode} (Add), or -1
 */
public record ClassifierHead(int node, int biasNode, String op, String output, String features, String logits,
                             String weight, String bias, int weightSlot, int biasSlot, int classes, int featureSize) {

    private static final Set<String> KEEPS_CLASS_AXIS = Set.of("Identity", "Dropout", "Flatten", "Reshape", "Squeeze",
            "Relu", "GlobalAveragePool");
    private static final Set<String> SCORES_TO_PROBABILITIES = Set.of("Softmax", "LogSoftmax");

    /**
     * @param requested the head's output tensor ({@code --head}), or null to find it
     * @throws IllegalArgumentException with one line saying what was not found
     */
    static ClassifierHead find(GraphIndex graph, String graphOutput, String requested, ShapeInference.Result shapes) {
        String logits = graphOutput;
        String t = graphOutput;
        Optional<ClassifierHead> walked = Optional.empty();
        String stop = null;
        for (int guard = 0; guard < 256 && walked.isEmpty() && stop == null; guard++) {
            Optional<NodeProto> p = graph.producer(t);
            if (p.isEmpty()) {
                stop = "'" + t + "' is a graph input";
                break;
            }
            NodeProto n = p.get();
            Optional<ClassifierHead> h = headAt(graph, t);
            if (h.isPresent()) {
                walked = h;
            } else if (KEEPS_CLASS_AXIS.contains(n.getOpType())) {
                t = n.getInput(0);
            } else if (SCORES_TO_PROBABILITIES.contains(n.getOpType())) {
                logits = n.getInput(0);
                t = n.getInput(0);
            } else {
                stop = "'" + t + "' comes from a " + n.getOpType() + " node (" + GraphIndex.nodeLabel(n) + ")";
            }
        }
        if (requested == null) {
            if (walked.isEmpty()) {
                throw new IllegalArgumentException("no classifier head found: walking back from the output '" + graphOutput
                        + "', " + (stop != null ? stop : "the walk did not end") + "; name the head's output with "
                        + "--head TENSOR (a Gemm, MatMul(+Add) or 1x1 Conv)");
            }
            return walked.get().withLogits(checkLogits(logits, walked.get(), shapes));
        }
        if (!graph.isProduced(requested)) {
            throw new IllegalArgumentException("--head: the model has no tensor named '" + requested + "' computed by a node");
        }
        ClassifierHead h = headAt(graph, requested).orElseThrow(() -> new IllegalArgumentException(
                "--head '" + requested + "' is computed by a " + graph.producer(requested).orElseThrow().getOpType()
                        + " node, not by a Gemm, MatMul(+Add) or 1x1 Conv with initializer weights"));
        boolean onPath = walked.isPresent() && walked.get().node() == h.node();
        return h.withLogits(checkLogits(onPath ? logits : requested, h, shapes));
    }

    private ClassifierHead withLogits(String l) {
        return new ClassifierHead(node, biasNode, op, output, features, l, weight, bias, weightSlot, biasSlot, classes,
                featureSize);
    }

    private static String checkLogits(String logits, ClassifierHead h, ShapeInference.Result shapes) {
        long[] s = shapes.find(logits).orElse(null);
        if (s == null || s.length != 2 || s[1] != h.classes()) {
            throw new IllegalArgumentException("the classifier head " + h.op() + " -> '" + h.output() + "' leads to '" + logits
                    + "' of shape " + (s == null ? "unknown" : Arrays.toString(s)) + ", not [N, " + h.classes() + "]");
        }
        return logits;
    }

    /** The head whose output is {@code tensor}, if its producer is one. */
    private static Optional<ClassifierHead> headAt(GraphIndex graph, String tensor) {
        Optional<NodeProto> p = graph.producer(tensor);
        if (p.isEmpty()) {
            return Optional.empty();
        }
        NodeProto n = p.get();
        int index = graph.nodes().indexOf(n);
        switch (n.getOpType()) {
            case "Gemm": {
                Optional<String> w = n.getInputCount() > 1 ? graph.weight(n.getInput(1)) : Optional.empty();
                if (w.isEmpty() || Attributes.getInt(n, "transA", 0) != 0) {
                    return Optional.empty();
                }
                long[] d = graph.initializer(w.get()).orElseThrow().getDimsList().stream().mapToLong(Long::longValue).toArray();
                boolean transB = Attributes.getInt(n, "transB", 0) != 0;
                Optional<String> b = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? graph.weight(n.getInput(2))
                        : Optional.empty();
                return Optional.of(new ClassifierHead(index, -1, "Gemm", tensor, n.getInput(0), tensor, w.get(),
                        b.orElse(null), 1, b.isPresent() ? 2 : -1, (int) (transB ? d[0] : d[1]), (int) (transB ? d[1] : d[0])));
            }
            case "MatMul": {
                Optional<String> w = graph.weight(n.getInput(1));
                if (w.isEmpty()) {
                    return Optional.empty();
                }
                long[] d = graph.initializer(w.get()).orElseThrow().getDimsList().stream().mapToLong(Long::longValue).toArray();
                if (d.length != 2) {
                    return Optional.empty();
                }
                return Optional.of(new ClassifierHead(index, -1, "MatMul", tensor, n.getInput(0), tensor, w.get(), null,
                        1, -1, (int) d[1], (int) d[0]));
            }
            case "Add": {
                for (int s = 0; s < 2; s++) {
                    Optional<String> b = graph.weight(n.getInput(s));
                    Optional<ClassifierHead> mm = b.isPresent() && graph.producer(n.getInput(1 - s))
                            .filter(m -> m.getOpType().equals("MatMul")).isPresent()
                            ? headAt(graph, n.getInput(1 - s)) : Optional.empty();
                    if (mm.isPresent()) {
                        ClassifierHead m = mm.get();
                        return Optional.of(new ClassifierHead(m.node(), index, "MatMul+Add", tensor, m.features(), tensor,
                                m.weight(), b.get(), 1, s, m.classes(), m.featureSize()));
                    }
                }
                return Optional.empty();
            }
            case "Conv": {
                Optional<String> w = graph.weight(n.getInput(1));
                if (w.isEmpty() || Attributes.getInt(n, "group", 1) != 1) {
                    return Optional.empty();
                }
                long[] d = graph.initializer(w.get()).orElseThrow().getDimsList().stream().mapToLong(Long::longValue).toArray();
                if (d.length != 4 || d[2] != 1 || d[3] != 1) {
                    return Optional.empty();
                }
                Optional<String> b = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? graph.weight(n.getInput(2))
                        : Optional.empty();
                return Optional.of(new ClassifierHead(index, -1, "Conv", tensor, n.getInput(0), tensor, w.get(),
                        b.orElse(null), 1, b.isPresent() ? 2 : -1, (int) d[0], (int) d[1]));
            }
            default:
                return Optional.empty();
        }
    }

    /** The weights of the head, weight first. */
    public List<String> weights() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    public String describe() {
        return op + " " + featureSize + " -> " + classes + " ('" + output + "')";
    }
}
