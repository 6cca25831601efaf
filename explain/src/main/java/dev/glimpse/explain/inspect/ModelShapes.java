package dev.glimpse.explain.inspect;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx;
import java.util.Map;

/**
 * Shapes of every tensor at batch 1: the engine's static {@link ShapeInference} first; when it cannot give a
 * shape to every node output (an op it does not know), one ONNX Runtime run on zeros ({@link ExecutedShapes}).
 */
public final class ModelShapes {

    public record Shapes(Map<String, long[]> shapes, String source) {
    }

    private ModelShapes() {
    }

    public static Shapes of(Onnx.ModelProto model) throws OrtException {
        try {
            Map<String, long[]> s = ShapeInference.infer(OnnxModel.of(model), 1).shapes();
            boolean complete = model.getGraph().getNodeList().stream()
                    .allMatch(n -> n.getOutputList().stream().allMatch(o -> o.isEmpty() || s.containsKey(o)));
            if (complete) {
                return new Shapes(s, "static shape inference");
            }
        } catch (RuntimeException e) {
            // fall through: the runtime knows every op it can execute
        }
        return new Shapes(ExecutedShapes.of(model, ExecutedShapes.declaredInputShape(model)), "one ONNX Runtime run");
    }
}
