package dev.glimpse.explain.ort;

import dev.glimpse.engine.graph.Canonicalization;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx;
import java.util.HashSet;

/**
 * Makes the batch axis of a model symbolic: exporters often fix it to 1, but explanation methods batch their
 * perturbed inputs, samples and steps. The first dimension of every graph input and output becomes "N" and
 * intermediate value_info (which would pin the old batch) is dropped; ONNX Runtime infers it again. Reshape targets
 * that pin the exported batch (a channel shuffle's [1, 2, 24, 8, 8] folded by the exporter) are made to follow it
 * first, by the engine's {@link Canonicalization#withBatchFollowingReshapes}.
 */
public final class DynamicBatch {

    private DynamicBatch() {
    }

    public static Onnx.ModelProto relax(Onnx.ModelProto exported) {
        Onnx.ModelProto model = exported;
        try {
            model = Canonicalization.withBatchFollowingReshapes(OnnxModel.of(exported)).proto();
        } catch (IllegalArgumentException e) {
            // inputs without a declared shape: nothing pins the batch that static shapes could find
        }
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
