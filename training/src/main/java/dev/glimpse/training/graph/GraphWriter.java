package dev.glimpse.training.graph;

import java.util.Arrays;
import com.google.protobuf.ByteString;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/** Appends nodes, initializers, inputs and outputs to an ONNX graph; names stay unique. */
final class GraphWriter {

    static final int OPSET = 17;
    static final int IR_VERSION = 8;

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private int counter;

    GraphWriter(String name) {
        graph.setName(name);
    }

    String fresh(String hint) {
        return hint + "__" + (counter++);
    }

    /** Adds a single-output node writing {@code output}; returns {@code output}. */
    String node(String op, List<String> inputs, String output, AttributeProto... attrs) {
        nodeMulti(op, inputs, List.of(output), attrs);
        return output;
    }

    /** Adds a single-output node with a fresh output name built from {@code hint}. */
    String op(String op, String hint, List<String> inputs, AttributeProto... attrs) {
        return node(op, inputs, fresh(hint), attrs);
    }

    void nodeMulti(String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(fresh(op))
                .addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    void floatInitializer(String name, long[] shape, float[] data) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(longs(shape)).setRawData(ByteString.copyFrom(buf.array())));
    }

    String int64s(String hint, long... values) {
        String name = fresh(hint);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    String floats(String hint, float... values) {
        String name = fresh(hint);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(values.length);
        for (float v : values) {
            t.addFloatData(v);
        }
        graph.addInitializer(t);
        return name;
    }

    String scalar(String hint, float value) {
        String name = fresh(hint);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addFloatData(value));
        return name;
    }

    /** A float graph input; a dimension of -1 becomes the symbolic batch dimension "N". */
    void input(String name, long[] dims) {
        graph.addInput(valueInfo(name, dims, TensorProto.DataType.FLOAT_VALUE));
    }

    void output(String name, long[] dims) {
        graph.addOutput(valueInfo(name, dims, TensorProto.DataType.FLOAT_VALUE));
    }

    Onnx.ModelProto model(Map<String, String> metadata, String docString) {
        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("glimpse-training")
                .setProducerVersion("0.1.0")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        if (docString != null) {
            m.setDocString(docString);
        }
        metadata.forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private static Onnx.ValueInfoProto valueInfo(String name, long[] dims, int elemType) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto stringAttr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto tensorAttr(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value).build();
    }

    private static List<Long> longs(long[] v) {
        return Arrays.stream(v).boxed().toList();
    }
}
