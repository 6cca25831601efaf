package dev.glimpse.explain.inspect;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx;
import java.util.HashMap;
import java.util.Map;

/**
 * Shapes of every tensor at batch 1: the engine's static {@link ShapeInference} first; when it cannot give a
 * shape to every node output (an op it does not know), one ONNX Runtime run on zeros ({@link ExecutedShapes}).
 */
public final class ModelShapes {

    public static final String STATIC = "static shape inference";
    public static final String EXECUTED = "one ONNX Runtime run";

    public record Shapes(Map<String, long[]> shapes, String source) {
    }

    private ModelShapes() {
    }

    public static Shapes of(Onnx.ModelProto model) throws OrtException {
        ShapeInference.Result r = completeStaticShapes(model);
        if (r != null) {
            return new Shapes(r.shapes(), STATIC);
        }
        return new Shapes(ExecutedShapes.of(model, ExecutedShapes.declaredInputShape(model)), EXECUTED);
    }

    /**
     * What an explainer works with, at batch 1: the shapes of the graph inputs, every initializer and every float
     * node output — integer shape arithmetic and bool masks are not layers —, as {@link ExecutedShapes} gives them.
     * From static inference when it shapes every node output: the ONNX Runtime run exposing every node output cost
     * a session of its own (about 0.9 s for resnet18, most of the first explanation's time).
     */
    public static Shapes ofActivations(Onnx.ModelProto model) throws OrtException {
        ShapeInference.Result r = completeStaticShapes(model);
        if (r == null) {
            return new Shapes(ExecutedShapes.of(model, ExecutedShapes.declaredInputShape(model)), EXECUTED);
        }
        Map<String, long[]> out = new HashMap<>();
        for (Onnx.TensorProto t : model.getGraph().getInitializerList()) {
            out.put(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
        }
        for (Onnx.ValueInfoProto v : model.getGraph().getInputList()) {
            if (!out.containsKey(v.getName()) && r.elementType(v.getName()) == ShapeContext.FLOAT) {
                out.put(v.getName(), r.shape(v.getName()));
            }
        }
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty() && r.elementType(o) == ShapeContext.FLOAT) {
                    out.put(o, r.shape(o));
                }
            }
        }
        return new Shapes(out, STATIC);
    }

    /** Static shapes at batch 1 when inference gives every node output one, else null. */
    private static ShapeInference.Result completeStaticShapes(Onnx.ModelProto model) {
        try {
            ShapeInference.Result r = ShapeInference.infer(OnnxModel.of(model), 1);
            Map<String, long[]> s = r.shapes();
            boolean complete = model.getGraph().getNodeList().stream()
                    .allMatch(n -> n.getOutputList().stream().allMatch(o -> o.isEmpty() || s.containsKey(o)));
            return complete ? r : null;
        } catch (RuntimeException e) {
            // the runtime knows every op it can execute
            return null;
        }
    }
}
