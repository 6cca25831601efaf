package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.OperatorSetIdProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.List;

/**
 * Writes small ONNX models in code (tests, generated heads, losses):
 * <pre>{@code
 * OnnxModel m = new ModelBuilder(17)
 *     .input("x", -1, 3, 8, 8)                       // -1 = batch "N"
 *     .initializer("w", weights, 4, 3, 3, 3)
 *     .node("Conv", new String[] {"x", "w"}, new String[] {"y"}, Attributes.ofInts("pads", 1, 1, 1, 1))
 *     .output("y")
 *     .build();
 * }</pre>
 */
public final class ModelBuilder {

    private final int opset;
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("glimpse");
    private int nodeCounter;

    public ModelBuilder(int opset) {
        this.opset = opset;
    }

    /** A float32 graph input; negative dims become the symbolic batch "N". */
    public ModelBuilder input(String name, long... dims) {
        graph.addInput(OnnxModel.valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims));
        return this;
    }

    /** A graph input of another element type (e.g. int64 labels). */
    public ModelBuilder typedInput(String name, int elemType, long... dims) {
        graph.addInput(OnnxModel.valueInfo(name, elemType, dims));
        return this;
    }

    public ModelBuilder initializer(String name, float[] data, long... dims) {
        graph.addInitializer(Tensors.floats(name, data, dims));
        return this;
    }

    public ModelBuilder initializer(TensorProto tensor) {
        graph.addInitializer(tensor);
        return this;
    }

    public ModelBuilder longs(String name, long... values) {
        graph.addInitializer(Tensors.longs1d(name, values));
        return this;
    }

    public ModelBuilder node(String opType, String[] inputs, String[] outputs, AttributeProto... attrs) {
        graph.addNode(Attributes.node(opType, opType + "_" + (nodeCounter++), inputs, outputs, attrs));
        return this;
    }

    /** A single-input single-output node. */
    public ModelBuilder node(String opType, String input, String output, AttributeProto... attrs) {
        return node(opType, new String[] {input}, new String[] {output}, attrs);
    }

    /** A float32 output (shape left to the runtime). */
    public ModelBuilder output(String name) {
        graph.addOutput(OnnxModel.valueInfo(name, TensorProto.DataType.FLOAT_VALUE, null));
        return this;
    }

    public ModelBuilder output(String name, int elemType) {
        graph.addOutput(OnnxModel.valueInfo(name, elemType, null));
        return this;
    }

    public OnnxModel build() {
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("glimpse")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
        return OnnxModel.of(m);
    }

    public static List<String> names(String... n) {
        return List.of(n);
    }
}
