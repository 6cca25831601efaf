package dev.glimpse.explain.ort;

import dev.glimpse.engine.graph.Canonicalization;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx;
import java.util.HashSet;
import java.util.Optional;

/**
 * Makes the batch axis of a model symbolic: exporters often fix it to 1, but explanation methods batch their
 * perturbed inputs, samples and steps. The first dimension of every graph input and output becomes "N" and
 * intermediate value_info (which would pin the old batch) is dropped; ONNX Runtime infers it again. Reshape targets
 * that pin the exported batch (a channel shuffle's [1, 2, 24, 8, 8] folded by the exporter) are made to follow it
 * first, by the engine's {@link Canonicalization#withBatchFollowingReshapes}. Some graphs keep the exported batch
 * anyway (torch's multi-head attention reshapes [T, N, D] to [T, N·heads, D/heads] with N·heads a constant):
 * {@link #followsBatch} tells, and such a model is run one input per call.
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

    /**
     * Whether the relaxed model computes a batch of two inputs as two (its output's first dimension is 2 by static
     * shape inference). False when the graph pins the batch it was exported with — a shape is known at batch 1 but
     * not at batch 2 —; true when inference cannot tell (it stops at batch 1 too), as before this check existed.
     */
    public static boolean followsBatch(Onnx.ModelProto relaxed, String output) {
        OnnxModel m = OnnxModel.of(relaxed);
        Optional<long[]> one;
        try {
            one = ShapeInference.infer(m, 1).find(output);
        } catch (RuntimeException e) {
            return true;
        }
        if (one.isEmpty() || one.get().length == 0 || one.get()[0] != 1) {
            return true;
        }
        try {
            Optional<long[]> two = ShapeInference.infer(m, 2).find(output);
            return two.isPresent() && two.get().length > 0 && two.get()[0] == 2;
        } catch (RuntimeException e) {
            return false;
        }
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
