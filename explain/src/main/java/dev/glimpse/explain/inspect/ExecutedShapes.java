package dev.glimpse.explain.inspect;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.ort.ForwardSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Shapes of every float activation (and every initializer) found by running the model once on zeros (batch 1)
 * with every node output exposed. Exact for any op ONNX Runtime supports; graphs with live shape arithmetic
 * (int64 Shape/Gather chains) or bool masks run too, their non-float tensors are left out.
 */
public final class ExecutedShapes {

    private ExecutedShapes() {
    }

    public static Map<String, long[]> of(Onnx.ModelProto model, long[] inputShape) throws OrtException {
        List<String> all = new ArrayList<>();
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            all.addAll(n.getOutputList());
        }
        Map<String, long[]> shapes = new HashMap<>();
        for (Onnx.TensorProto t : model.getGraph().getInitializerList()) {
            shapes.put(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
        }
        try (ForwardSession s = new ForwardSession(model, all)) {
            int[] shape = new int[inputShape.length];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = (int) (inputShape[i] <= 0 ? 1 : inputShape[i]);
            }
            shapes.put(s.inputName(), toLong(shape));
            for (Map.Entry<String, long[]> e : s.runShapes(Tensor.zeros(shape)).entrySet()) {
                // activations only: shape arithmetic (int64) and masks (bool) are not layers
                if (s.outputType(e.getKey()) == OnnxJavaType.FLOAT) {
                    shapes.put(e.getKey(), e.getValue());
                }
            }
        }
        return shapes;
    }

    /** Declared input shape of the model's first non-initializer input (symbolic dims as -1). */
    public static long[] declaredInputShape(Onnx.ModelProto model) {
        var inits = new HashSet<String>();
        model.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        for (Onnx.ValueInfoProto v : model.getGraph().getInputList()) {
            if (!inits.contains(v.getName())) {
                return v.getType().getTensorType().getShape().getDimList().stream()
                        .mapToLong(d -> d.hasDimValue() ? d.getDimValue() : -1).toArray();
            }
        }
        throw new IllegalArgumentException("the graph has no input besides initializers");
    }

    private static long[] toLong(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            l[i] = s[i];
        }
        return l;
    }
}
