package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.OperatorSetIdProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Rewrites a model of an older default opset to opset {@value #TARGET}, so that backward graphs can use the
 * modern operator forms (axes as inputs, ScatterElements with reduction). Only operators whose semantics are known
 * to carry over, or that it converts (Softmax/LogSoftmax before 13, Squeeze/Unsqueeze/ReduceSum/Split before 13,
 * Clip and Pad before 11, Slice and TopK before 10, Dropout), are accepted; otherwise the model is returned as is
 * and {@link #blocker(OnnxModel)} names the operator that prevented the upgrade.
 */
public final class OpsetUpgrade {

    public static final int TARGET = 17;

    /** Operators whose opset-9..16 definitions mean the same as at opset 17 for inference. */
    private static final Set<String> UNCHANGED = Set.of(
            "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Add", "Sub", "Mul", "Div", "Pow",
            "Max", "Min", "Sum", "Mean", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Gemm", "MatMul", "Flatten", "Reshape", "Concat", "Transpose", "Identity", "Constant",
            "Shape", "Gather", "Cast", "Exp", "Log", "Neg", "Sqrt", "Abs", "Floor", "Ceil", "Reciprocal", "Equal",
            "Greater", "Less", "Where", "Not", "And", "Or", "ConstantOfShape", "Expand", "Range", "Tile",
            "BatchNormalization", "InstanceNormalization", "LRN", "ArgMax", "ArgMin", "ReduceMean", "ReduceMax",
            "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp", "Elu", "Selu",
            "Softplus", "Softsign", "PRelu", "Erf", "Sign", "Mod", "Size", "Sin", "Cos", "Round", "GatherElements",
            "GreaterOrEqual", "LessOrEqual", "Resize", "Einsum", "CumSum", "NonZero", "Xor", "IsNaN", "Celu",
            // opset 16 added the reduction attribute, its default "none" being the older behaviour (Swin's masks)
            "ScatterND", "ScatterElements");

    private OpsetUpgrade() {
    }

    /** The operator type that prevents upgrading, if any (empty when the model is already at TARGET or above). */
    public static Optional<String> blocker(OnnxModel model) {
        int opset = model.opsetVersion();
        if (opset >= TARGET) {
            return Optional.empty();
        }
        for (NodeProto n : model.nodes()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                return Optional.of(n.getDomain() + "::" + n.getOpType());
            }
            String op = n.getOpType();
            if (op.equals("Resize") && opset < 11) {
                return Optional.of("Resize (opset " + opset + ")");
            }
            if (op.equals("Reshape") && opset < 5 && !Attributes.has(n, "shape")) {
                return Optional.of("Reshape (opset " + opset + ") without a shape attribute");
            }
            if (!UNCHANGED.contains(op) && !converts(op)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    private static boolean converts(String op) {
        return Set.of("Softmax", "LogSoftmax", "Squeeze", "Unsqueeze", "ReduceSum", "Split", "Clip", "Pad", "Slice",
                "TopK", "Dropout").contains(op);
    }

    /**
     * The model at opset {@value #TARGET} when it is older and every operator can be carried over; the model itself
     * otherwise. {@code shapes} (from {@link ShapeInference}) gives ranks for Softmax conversion; may be null.
     */
    public static OnnxModel upgrade(OnnxModel model, ShapeInference.Result shapes) {
        int opset = model.opsetVersion();
        if (opset >= TARGET || blocker(model).isPresent()) {
            return model;
        }
        GraphProto g = model.graph();
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> extraInits = new ArrayList<>();
        int[] counter = {0};
        Function<long[], String> ints = v -> {
            String name = "upgrade_const_" + counter[0]++;
            extraInits.add(Tensors.longs1d(name, v));
            return name;
        };
        Function<Float, String> scalar = v -> {
            String name = "upgrade_const_" + counter[0]++;
            extraInits.add(Tensors.scalar(name, v));
            return name;
        };
        for (NodeProto n : g.getNodeList()) {
            String op = n.getOpType();
            switch (op) {
                case "Softmax": case "LogSoftmax": {
                    if (opset >= 13) {
                        nodes.add(n);
                        break;
                    }
                    long axis = Attributes.getInt(n, "axis", 1);
                    int rank = shapes == null ? -1 : shapes.find(n.getInput(0)).map(s -> s.length).orElse(-1);
                    if (rank < 0) {
                        throw new IllegalArgumentException(op + " node '" + n.getName() + "' (opset " + opset
                                + "): rank of its input is unknown, cannot convert the old 2-D semantics");
                    }
                    long ax = axis < 0 ? axis + rank : axis;
                    if (ax == rank - 1) {
                        nodes.add(replaceAttr(n, Attributes.ofInt("axis", -1)));
                    } else {
                        // old semantics: flatten to 2-D at axis, soft-max over the trailing block, restore the shape
                        String flat = n.getOutput(0) + "__flat";
                        String sm = n.getOutput(0) + "__sm";
                        String shape = n.getOutput(0) + "__shape";
                        nodes.add(Attributes.node("Shape", n.getName() + "__shape", new String[] {n.getInput(0)}, new String[] {shape}));
                        nodes.add(Attributes.node("Flatten", n.getName() + "__flat", new String[] {n.getInput(0)}, new String[] {flat},
                                Attributes.ofInt("axis", ax)));
                        nodes.add(Attributes.node(op, n.getName(), new String[] {flat}, new String[] {sm}, Attributes.ofInt("axis", 1)));
                        nodes.add(Attributes.node("Reshape", n.getName() + "__restore", new String[] {sm, shape}, new String[] {n.getOutput(0)}));
                    }
                    break;
                }
                case "Squeeze": case "Unsqueeze": case "ReduceSum": {
                    if (opset >= 13) {
                        nodes.add(n);
                        break;
                    }
                    long[] axes = Attributes.getInts(n, "axes", null);
                    NodeProto.Builder b = Attributes.without(n, "axes").toBuilder();
                    if (axes != null) {
                        b.addInput(ints.apply(axes));
                    }
                    nodes.add(b.build());
                    break;
                }
                case "Split": {
                    if (opset >= 13) {
                        nodes.add(n);
                        break;
                    }
                    long[] split = Attributes.getInts(n, "split", null);
                    NodeProto.Builder b = Attributes.without(n, "split").toBuilder();
                    if (split != null) {
                        b.addInput(ints.apply(split));
                    }
                    nodes.add(b.build());
                    break;
                }
                case "Clip": {
                    if (opset >= 11) {
                        nodes.add(n);
                        break;
                    }
                    NodeProto.Builder b = Attributes.without(n, "min", "max").toBuilder();
                    b.addInput(Attributes.has(n, "min") ? scalar.apply(Attributes.getFloat(n, "min", 0)) : "");
                    b.addInput(Attributes.has(n, "max") ? scalar.apply(Attributes.getFloat(n, "max", 0)) : "");
                    nodes.add(b.build());
                    break;
                }
                case "Pad": {
                    if (opset >= 11) {
                        nodes.add(n);
                        break;
                    }
                    long[] pads = Attributes.getInts(n, "pads", Attributes.getInts(n, "paddings", new long[0]));
                    float value = Attributes.getFloat(n, "value", 0f);
                    NodeProto.Builder b = Attributes.without(n, "pads", "paddings", "value").toBuilder();
                    b.addInput(ints.apply(pads));
                    b.addInput(scalar.apply(value));
                    nodes.add(b.build());
                    break;
                }
                case "Slice": {
                    if (opset >= 10) {
                        nodes.add(n);
                        break;
                    }
                    long[] starts = Attributes.getInts(n, "starts", null);
                    long[] ends = Attributes.getInts(n, "ends", null);
                    long[] axes = Attributes.getInts(n, "axes", null);
                    NodeProto.Builder b = Attributes.without(n, "starts", "ends", "axes").toBuilder();
                    b.addInput(ints.apply(starts));
                    b.addInput(ints.apply(ends));
                    if (axes != null) {
                        b.addInput(ints.apply(axes));
                    }
                    nodes.add(b.build());
                    break;
                }
                case "TopK": {
                    if (opset >= 10) {
                        nodes.add(n);
                        break;
                    }
                    long k = Attributes.getInt(n, "k", 1);
                    nodes.add(Attributes.without(n, "k").toBuilder().addInput(ints.apply(new long[] {k})).build());
                    break;
                }
                case "Dropout": {
                    if (opset >= 12) {
                        nodes.add(n);
                        break;
                    }
                    // before opset 12 Dropout has no training mode: data passes through; a consumed mask is all true
                    nodes.add(Attributes.node("Identity", n.getName(), new String[] {n.getInput(0)}, new String[] {n.getOutput(0)}));
                    if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                        String shape = n.getOutput(1) + "__shape";
                        nodes.add(Attributes.node("Shape", n.getName() + "__mshape", new String[] {n.getInput(0)}, new String[] {shape}));
                        nodes.add(Attributes.node("ConstantOfShape", n.getName() + "__mask", new String[] {shape}, new String[] {n.getOutput(1)},
                                Attributes.ofTensor("value", TensorProto.newBuilder().setDataType(TensorProto.DataType.BOOL_VALUE)
                                        .addDims(1).addInt32Data(1).build())));
                    }
                    break;
                }
                case "BatchNormalization":
                    nodes.add(Attributes.without(n, "spatial", "is_test", "consumed_inputs", "momentum"));
                    break;
                case "Reshape": {
                    if (opset >= 5 || n.getInputCount() > 1) {
                        nodes.add(n);
                        break;
                    }
                    long[] shape = Attributes.getInts(n, "shape", null);
                    nodes.add(Attributes.without(n, "shape", "consumed_inputs").toBuilder().addInput(ints.apply(shape)).build());
                    break;
                }
                case "Concat": {
                    // Concat-1 concatenated along axis 1 by default
                    nodes.add(Attributes.has(n, "axis") ? n : n.toBuilder().addAttribute(Attributes.ofInt("axis", 1)).build());
                    break;
                }
                case "Add": case "Sub": case "Mul": case "Div": case "Pow": case "And": case "Or": case "Xor":
                case "Equal": case "Greater": case "Less": case "Gemm": {
                    // opset < 7 legacy broadcasting: B aligned with A starting at "axis"; numpy aligns at the end
                    if (Attributes.getInt(n, "broadcast", 0) == 1 && Attributes.has(n, "axis") && !op.equals("Gemm")) {
                        long[] a = shapes == null ? null : shapes.find(n.getInput(0)).orElse(null);
                        long[] b = shapes == null ? null : shapes.find(n.getInput(1)).orElse(null);
                        if (a == null || b == null) {
                            throw new IllegalArgumentException(op + " node '" + n.getName()
                                    + "' uses legacy broadcasting with an axis and its input shapes are unknown");
                        }
                        long axis = Attributes.getInt(n, "axis", 0);
                        if (axis < 0) {
                            axis += a.length;
                        }
                        int trailing = (int) (a.length - axis - b.length);
                        if (trailing > 0) {
                            long[] axes = new long[trailing];
                            for (int i = 0; i < trailing; i++) {
                                axes[i] = b.length + i;
                            }
                            String aligned = n.getInput(1) + "__aligned_" + counter[0];
                            nodes.add(Attributes.node("Unsqueeze", n.getName() + "__align", new String[] {n.getInput(1), ints.apply(axes)},
                                    new String[] {aligned}));
                            nodes.add(Attributes.without(n, "broadcast", "axis", "consumed_inputs").toBuilder().setInput(1, aligned).build());
                            break;
                        }
                    }
                    nodes.add(Attributes.without(n, "broadcast", "axis", "consumed_inputs"));
                    break;
                }
                default:
                    nodes.add(Attributes.without(n, "consumed_inputs"));
            }
        }
        GraphProto.Builder gb = g.toBuilder().clearNode().addAllNode(nodes).addAllInitializer(extraInits);
        ModelProto.Builder mb = model.proto().toBuilder().setGraph(gb).clearOpsetImport();
        for (OperatorSetIdProto o : model.proto().getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                mb.addOpsetImport(o.toBuilder().setVersion(TARGET));
            } else {
                mb.addOpsetImport(o);
            }
        }
        if (mb.getIrVersion() < 8) {
            mb.setIrVersion(8);
        }
        return OnnxModel.of(mb.build());
    }

    private static NodeProto replaceAttr(NodeProto n, AttributeProto a) {
        return Attributes.without(n, a.getName()).toBuilder().addAttribute(a).build();
    }
}
