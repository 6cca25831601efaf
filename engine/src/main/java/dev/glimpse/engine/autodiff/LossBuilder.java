package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.List;

/**
 * Appends a softmax cross-entropy loss to a classifier, so that training differentiates it in the same graph:
 * loss = mean over the batch of −Σ_k target_k · log softmax(logits)_k, with target the one-hot label (from int64
 * class indices or given one-hot/soft targets) optionally smoothed: (1−ε)·onehot + ε/K. The loss is a scalar
 * (rank 0), so {@code GradientGraphBuilder.differentiate(loss)} needs no seed input.
 *
 * <pre>{@code
 * OnnxModel withLoss = LossBuilder.softmaxCrossEntropy("logits").labels("labels").labelSmoothing(0.1f).appendTo(model);
 * GradientGraph g = GradientGraphBuilder.forModel(withLoss).differentiate(LossBuilder.DEFAULT_LOSS)
 *         .wrt(weights).trainableAsInputs(weights).build();
 * }</pre>
 */
public final class LossBuilder {

    public static final String DEFAULT_LOSS = "loss";

    private final String logits;
    private String labels = "labels";
    private boolean oneHot;
    private float smoothing;
    private String lossName = DEFAULT_LOSS;

    private LossBuilder(String logits) {
        this.logits = logits;
    }

    /** Cross-entropy of the softmax of {@code logits} ([N, K]). */
    public static LossBuilder softmaxCrossEntropy(String logits) {
        return new LossBuilder(logits);
    }

    /** Class indices: a new int64 graph input [N] named {@code inputName} (default "labels"). */
    public LossBuilder labels(String inputName) {
        this.labels = inputName;
        this.oneHot = false;
        return this;
    }

    /** Target distributions: a new float graph input [N, K] (one-hot or soft labels). */
    public LossBuilder oneHotLabels(String inputName) {
        this.labels = inputName;
        this.oneHot = true;
        return this;
    }

    public LossBuilder labelSmoothing(float epsilon) {
        if (epsilon < 0 || epsilon >= 1) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + epsilon);
        }
        this.smoothing = epsilon;
        return this;
    }

    /** Name of the scalar loss output (default "loss"). */
    public LossBuilder lossName(String name) {
        this.lossName = name;
        return this;
    }

    /** The model with the label input, the loss nodes and the loss as an extra output. */
    public OnnxModel appendTo(OnnxModel model) {
        if (!model.tensorNames().contains(logits)) {
            throw new IllegalArgumentException("model has no tensor named '" + logits + "'");
        }
        long[] shape = ShapeInference.infer(model, 1).shape(logits);
        if (shape.length != 2) {
            throw new IllegalArgumentException("logits '" + logits + "' must be [N, K], got rank " + shape.length);
        }
        long k = shape[1];
        int opset = model.opsetVersion();
        String p = "loss/";
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> inits = new ArrayList<>();
        nodes.add(Attributes.node("LogSoftmax", p + "logsoftmax", new String[] {logits}, new String[] {p + "logp"},
                Attributes.ofInt("axis", opset >= 13 ? -1 : 1)));
        String target;
        GraphProto.Builder g = model.graph().toBuilder();
        if (oneHot) {
            g.addInput(OnnxModel.valueInfo(labels, TensorProto.DataType.FLOAT_VALUE, new long[] {-1, k}));
            target = labels;
        } else {
            g.addInput(OnnxModel.valueInfo(labels, TensorProto.DataType.INT64_VALUE, new long[] {-1}));
            inits.add(Tensors.longs(p + "depth", new long[] {k}));
            inits.add(Tensors.floats(p + "onoff", new float[] {0f, 1f}, 2));
            nodes.add(Attributes.node("OneHot", p + "onehot", new String[] {labels, p + "depth", p + "onoff"},
                    new String[] {p + "onehot"}, Attributes.ofInt("axis", -1)));
            target = p + "onehot";
        }
        if (smoothing > 0) {
            inits.add(Tensors.scalar(p + "keep", 1 - smoothing));
            inits.add(Tensors.scalar(p + "spread", smoothing / k));
            nodes.add(Attributes.node("Mul", p + "keep", new String[] {target, p + "keep"}, new String[] {p + "kept"}));
            nodes.add(Attributes.node("Add", p + "smooth", new String[] {p + "kept", p + "spread"}, new String[] {p + "target"}));
            target = p + "target";
        }
        nodes.add(Attributes.node("Mul", p + "weighted", new String[] {target, p + "logp"}, new String[] {p + "weighted"}));
        if (opset >= 13) {
            inits.add(Tensors.longs1d(p + "axis1", 1));
            nodes.add(Attributes.node("ReduceSum", p + "per_item", new String[] {p + "weighted", p + "axis1"},
                    new String[] {p + "ll"}, Attributes.ofInt("keepdims", 0)));
        } else {
            nodes.add(Attributes.node("ReduceSum", p + "per_item", new String[] {p + "weighted"}, new String[] {p + "ll"},
                    Attributes.ofInts("axes", 1), Attributes.ofInt("keepdims", 0)));
        }
        nodes.add(Attributes.node("Neg", p + "neg", new String[] {p + "ll"}, new String[] {p + "per_item"}));
        nodes.add(Attributes.node("ReduceMean", p + "mean", new String[] {p + "per_item"}, new String[] {lossName},
                Attributes.ofInt("keepdims", 0)));
        g.addAllNode(nodes).addAllInitializer(inits);
        g.addOutput(OnnxModel.valueInfo(lossName, TensorProto.DataType.FLOAT_VALUE, new long[0]));
        return OnnxModel.of(model.proto().toBuilder().setGraph(g).build());
    }
}
