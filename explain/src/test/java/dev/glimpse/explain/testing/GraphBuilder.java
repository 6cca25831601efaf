package dev.glimpse.explain.testing;

import dev.glimpse.engine.onnx.Onnx;
import java.util.Random;

/** Builds tiny ONNX models in code for tests (opset 13, float32). */
public final class GraphBuilder {

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("test");
    private final Random random;
    private int counter;

    public GraphBuilder(long seed) {
        this.random = new Random(seed);
    }

    public GraphBuilder input(String name, long... shape) {
        graph.addInput(valueInfo(name, shape));
        return this;
    }

    public GraphBuilder output(String name) {
        graph.addOutput(Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1))));
        return this;
    }

    /** A float initializer with the given values (random N(0, scale^2) when values is null). */
    public String initializer(String name, float[] values, double scale, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) {
            t.addDims(d);
        }
        for (int i = 0; i < n; i++) {
            t.addFloatData(values != null ? values[i] : (float) (random.nextGaussian() * scale));
        }
        graph.addInitializer(t);
        return name;
    }

    public String int64Initializer(String name, long... values) {
        graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name).setDataType(7).addDims(values.length)
                .addAllInt64Data(java.util.Arrays.stream(values).boxed().toList()));
        return name;
    }

    public String node(String op, String[] inputs, Onnx.AttributeProto... attrs) {
        String out = op.toLowerCase() + "_" + (counter++);
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out);
        for (String i : inputs) {
            n.addInput(i);
        }
        for (Onnx.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    /** A node with {@code outputs} outputs (Split, TopK, ...); returns their names. */
    public String[] nodeWithOutputs(String op, int outputs, String[] inputs, Onnx.AttributeProto... attrs) {
        String base = op.toLowerCase() + "_" + (counter++);
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(base);
        String[] names = new String[outputs];
        for (int k = 0; k < outputs; k++) {
            names[k] = base + "_" + k;
            n.addOutput(names[k]);
        }
        for (String i : inputs) {
            n.addInput(i);
        }
        for (Onnx.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return names;
    }

    public static Onnx.AttributeProto ints(String name, long... v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    public static Onnx.AttributeProto i(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v).build();
    }

    public Onnx.ModelProto build() {
        return Onnx.ModelProto.newBuilder().setIrVersion(7).setProducerName("glimpse-test")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph).build();
    }

    private static Onnx.ValueInfoProto valueInfo(String name, long... shape) {
        Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }
}
