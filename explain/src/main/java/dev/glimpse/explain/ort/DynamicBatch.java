package dev.glimpse.explain.ort;

import dev.glimpse.engine.onnx.Onnx;
import java.util.HashSet;

/**
 * Makes the batch axis of a model symbolic: exporters often fix it to 1, but explanation methods batch their
 * perturbed inputs, samples and steps. The first dimension of every graph input and output becomes "N" and
 * intermediate value_info (which would pin the old batch) is dropped; ONNX Runtime infers it again.
 */
public final class DynamicBatch {

    private DynamicBatch() {
    }

    public static Onnx.ModelProto relax(Onnx.ModelProto model) {
        var inits = new HashSet<String>();
        model.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        Onnx.GraphProto.Builder g = model.getGraph().toBuilder().clearValueInfo();
        for (int i = 0; i < g.getInputCount(); i++) {
            if (!inits.contains(g.getInput(i).getName())) {
                g.setInput(i, symbolicBatch(g.getInput(i)));
            }
        }
        for (int i = 0; i < g.getOutputCount(); i++) {
            g.setOutput(i, symbolicBatch(g.getOutput(i)));
        }
        return model.toBuilder().setGraph(g).build();
    }

    private static Onnx.ValueInfoProto symbolicBatch(Onnx.ValueInfoProto v) {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()
                || v.getType().getTensorType().getShape().getDimCount() == 0) {
            return v;
        }
        Onnx.ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .setDim(0, Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        return b.build();
    }
}
