package dev.glimpse.inference;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.StringStringEntryProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.TypeProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the penultimate-layer embedding of a classifier and exposes it as an extra graph output, so that one
 * ONNX Runtime call returns scores and embedding. The tensor is the one named by
 * {@link ModelMetadataKeys#EMBEDDING_OUTPUT}, otherwise the data input of the last Gemm/MatMul (the classifier
 * head's input). A model whose head reads the graph input directly has no embedding.
 */
public final class EmbeddingTensor {

    private EmbeddingTensor() {
    }

    /** The model bytes with the embedding added as an output, and the embedding's name (if any). */
    public record Exposed(byte[] model, Optional<String> name) {
    }

    public static Exposed expose(byte[] modelBytes) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(modelBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        GraphProto graph = model.getGraph();
        Optional<String> name = locate(model);
        if (name.isEmpty()) {
            return new Exposed(modelBytes, name);
        }
        for (ValueInfoProto out : graph.getOutputList()) {
            if (out.getName().equals(name.get())) {
                return new Exposed(modelBytes, name);
            }
        }
        ValueInfoProto output = ValueInfoProto.newBuilder().setName(name.get())
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)))
                .build();
        ModelProto withOutput = model.toBuilder().setGraph(graph.toBuilder().addOutput(output)).build();
        return new Exposed(withOutput.toByteArray(), name);
    }

    static Optional<String> locate(ModelProto model) {
        GraphProto graph = model.getGraph();
        Set<String> produced = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            produced.addAll(n.getOutputList());
        }
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            if (e.getKey().equals(ModelMetadataKeys.EMBEDDING_OUTPUT) && !e.getValue().isBlank()) {
                String named = e.getValue().trim();
                if (!produced.contains(named)) {
                    throw new IllegalArgumentException("model metadata key '" + ModelMetadataKeys.EMBEDDING_OUTPUT
                            + "' has value '" + named + "': no node of the graph produces a tensor of that name");
                }
                return Optional.of(named);
            }
        }
        for (int i = graph.getNodeCount() - 1; i >= 0; i--) {
            NodeProto n = graph.getNode(i);
            if (n.getOpType().equals("Gemm") || n.getOpType().equals("MatMul")) {
                String input = n.getInput(0);
                return produced.contains(input) ? Optional.of(input) : Optional.empty();
            }
        }
        return Optional.empty();
    }
}
