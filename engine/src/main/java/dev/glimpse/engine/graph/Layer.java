package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A read-only view of one graph node for reports such as {@code inspect}: operator, inputs, outputs and
 * attributes as plain Java values (Long, Float, String, long[], float[], or "tensor" for tensor attributes).
 */
public record Layer(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Object> attributes) {

    public static Layer of(NodeProto n) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        for (AttributeProto a : n.getAttributeList()) {
            attrs.put(a.getName(), valueOf(a));
        }
        List<String> in = new ArrayList<>(n.getInputList());
        return new Layer(n.getName(), n.getOpType(), Collections.unmodifiableList(in),
                List.copyOf(n.getOutputList()), Collections.unmodifiableMap(attrs));
    }

    /** All nodes of a model, in graph (topological) order. */
    public static List<Layer> all(OnnxModel model) {
        return model.nodes().stream().map(Layer::of).toList();
    }

    private static Object valueOf(AttributeProto a) {
        switch (a.getType()) {
            case INT: return a.getI();
            case FLOAT: return a.getF();
            case STRING: return a.getS().toStringUtf8();
            case INTS: return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            case FLOATS: {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                return f;
            }
            case TENSOR: return "tensor";
            default: return a.getType().name().toLowerCase(Locale.ROOT);
        }
    }

    public long intAttr(String key, long dflt) {
        Object v = attributes.get(key);
        return v instanceof Long l ? l : dflt;
    }

    public long[] intsAttr(String key, long[] dflt) {
        Object v = attributes.get(key);
        return v instanceof long[] l ? l.clone() : dflt;
    }
}
