package dev.glimpse.engine.graph;

import com.google.protobuf.ByteString;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Reading and making ONNX node attributes. */
public final class Attributes {

    private Attributes() {
    }

    public static Optional<AttributeProto> find(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public static boolean has(NodeProto node, String name) {
        return find(node, name).isPresent();
    }

    public static long getInt(NodeProto node, String name, long dflt) {
        return find(node, name).map(AttributeProto::getI).orElse(dflt);
    }

    public static float getFloat(NodeProto node, String name, float dflt) {
        return find(node, name).map(AttributeProto::getF).orElse(dflt);
    }

    public static String getString(NodeProto node, String name, String dflt) {
        return find(node, name).map(a -> a.getS().toString(StandardCharsets.UTF_8)).orElse(dflt);
    }

    /** An INTS attribute, or {@code dflt} (may be null) when absent. */
    public static long[] getInts(NodeProto node, String name, long[] dflt) {
        return find(node, name).map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).orElse(dflt);
    }

    public static float[] getFloats(NodeProto node, String name, float[] dflt) {
        return find(node, name).map(a -> {
            float[] f = new float[a.getFloatsCount()];
            for (int i = 0; i < f.length; i++) {
                f[i] = a.getFloats(i);
            }
            return f;
        }).orElse(dflt);
    }

    public static Optional<TensorProto> getTensor(NodeProto node, String name) {
        return find(node, name).filter(AttributeProto::hasT).map(AttributeProto::getT);
    }

    public static AttributeProto ofInt(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    public static AttributeProto ofFloat(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    public static AttributeProto ofString(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    public static AttributeProto ofInts(String name, long... v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(v).boxed().toList()).build();
    }

    public static AttributeProto ofFloats(String name, float... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float f : v) {
            b.addFloats(f);
        }
        return b.build();
    }

    public static AttributeProto ofTensor(String name, TensorProto t) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    /** A node; empty input names stand for absent optional inputs. */
    public static NodeProto node(String opType, String name, String[] inputs, String[] outputs, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType).setName(name);
        for (String i : inputs) {
            b.addInput(i);
        }
        for (String o : outputs) {
            b.addOutput(o);
        }
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        return b.build();
    }

    /** A copy of {@code node} without the named attributes. */
    public static NodeProto without(NodeProto node, String... names) {
        NodeProto.Builder b = node.toBuilder().clearAttribute();
        for (AttributeProto a : node.getAttributeList()) {
            if (!Arrays.asList(names).contains(a.getName())) {
                b.addAttribute(a);
            }
        }
        return b.build();
    }
}
