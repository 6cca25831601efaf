package dev.glimpse.registry.testing;

import dev.glimpse.engine.onnx.Onnx;
import java.util.Arrays;

/**
 * Tiny linear classifiers built in code: input [N,1,h,w] -> Flatten -> Gemm -> logits [N,classes], with the
 * preprocessing contract (gray, h x w, mean 0, std 1) that every served model must carry.
 */
public final class TinyOnnx {
    private TinyOnnx() {
    }

    public static byte[] linear(int h, int w, int classes, float weight) {
        return linear(h, w, classes, linearWeights(h, w, classes, weight));
    }

    public static byte[] linear(int h, int w, int classes, float[] weights) {
        Onnx.ModelProto bare = bareModel(h, w, classes, weights);
        return bare.toBuilder()
                .addMetadataProps(prop("glimpse.input.colour", "gray"))
                .addMetadataProps(prop("glimpse.input.size", h + "x" + w))
                .addMetadataProps(prop("glimpse.input.mean", "[0.0]"))
                .addMetadataProps(prop("glimpse.input.std", "[1.0]"))
                .build().toByteArray();
    }

    /** The same classifier without any metadata: a model no service may serve. */
    public static byte[] linearWithoutContract(int h, int w, int classes, float weight) {
        return bareModel(h, w, classes, linearWeights(h, w, classes, weight)).toByteArray();
    }

    private static float[] linearWeights(int h, int w, int classes, float weight) {
        float[] weights = new float[h * w * classes];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weight * ((i % 7) - 3);
        }
        return weights;
    }

    private static Onnx.StringStringEntryProto prop(String key, String value) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static Onnx.ModelProto bareModel(int h, int w, int classes, float[] weights) {
        float[] bias = new float[classes];
        Arrays.fill(bias, 0.1f);
        Onnx.GraphProto graph = Onnx.GraphProto.newBuilder()
                .setName("tiny")
                .addInput(value("input", -1, 1, h, w))
                .addOutput(value("logits", -1, classes))
                .addInitializer(tensor("W", weights, h * w, classes))
                .addInitializer(tensor("B", bias, classes))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Flatten").addInput("input").addOutput("flat")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("axis").setI(1)
                                .setType(Onnx.AttributeProto.AttributeType.INT)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Gemm").addInput("flat").addInput("W").addInput("B")
                        .addOutput("logits"))
                .build();
        return Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("glimpse-test")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph).build();
    }

    private static Onnx.TensorProto tensor(String name, float[] data, long... dims) {
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) {
            b.addDims(d);
        }
        for (float f : data) {
            b.addFloatData(f);
        }
        return b.build();
    }

    private static Onnx.ValueInfoProto value(String name, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name)
                .setType(Onnx.TypeProto.newBuilder().setTensorType(
                        Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)))
                .build();
    }
}
