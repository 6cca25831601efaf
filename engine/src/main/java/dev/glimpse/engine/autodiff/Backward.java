package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstValue;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * What a {@link GradientRule} sees and uses: the forward node, the gradients of its outputs, static shapes, and
 * emitters for backward ONNX nodes and constants. Emitted operator forms follow the model's opset (e.g. ReduceSum
 * axes as an input from opset 13).
 *
 * <p>Shapes returned by {@link #shape(String)} have -1 in the dimensions that depend on the batch size; rules must
 * compute such dimensions at run time (Shape/Reshape with 0 or -1) so that one session serves every batch size.
 */
public final class Backward {

    private final int opset;
    private final ShapeInference.Result shapesA;
    private final ShapeInference.Result shapesB;
    private final ReluRule reluRule;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final Map<String, String> shapeCache = new HashMap<>();
    private int counter;

    // per-node state
    private NodeProto node;
    private String[] gradOuts;
    private boolean[] needsGrad;
    private BiConsumer<String, String> sink;

    Backward(int opset, ShapeInference.Result shapesA, ShapeInference.Result shapesB, ReluRule reluRule) {
        this.opset = opset;
        this.shapesA = shapesA;
        this.shapesB = shapesB;
        this.reluRule = reluRule;
    }

    void bind(NodeProto n, String[] gradOuts, boolean[] needsGrad, BiConsumer<String, String> sink) {
        this.node = n;
        this.gradOuts = gradOuts;
        this.needsGrad = needsGrad;
        this.sink = sink;
    }

    List<NodeProto> emittedNodes() {
        return nodes;
    }

    List<TensorProto> emittedInitializers() {
        return initializers;
    }

    // ------------------------------------------------------------------ the forward node

    public NodeProto node() {
        return node;
    }

    public int opset() {
        return opset;
    }

    public ReluRule reluRule() {
        return reluRule;
    }

    /** Name of input i, or "" when absent. */
    public String input(int i) {
        return i < node.getInputCount() ? node.getInput(i) : "";
    }

    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public String output(int i) {
        return node.getOutput(i);
    }

    public int inputCount() {
        return node.getInputCount();
    }

    public boolean needsGrad(int i) {
        return i < needsGrad.length && needsGrad[i];
    }

    /** The gradient flowing into output k, or null when none does. */
    public String gradOut(int k) {
        return k < gradOuts.length ? gradOuts[k] : null;
    }

    /** The gradient of output k, or zeros of its shape when none flows in (for multi-output operators). */
    public String gradOutOrZeros(int k) {
        String g = gradOut(k);
        return g != null ? g : zerosLike(output(k));
    }

    /** Contributes {@code tensor} to the gradient of input i (summed with other contributions). */
    public void addGrad(int i, String tensor) {
        if (needsGrad(i)) {
            sink.accept(input(i), tensor);
        }
    }

    public long attrInt(String name, long dflt) {
        return Attributes.getInt(node, name, dflt);
    }

    public float attrFloat(String name, float dflt) {
        return Attributes.getFloat(node, name, dflt);
    }

    public long[] attrInts(String name, long[] dflt) {
        return Attributes.getInts(node, name, dflt);
    }

    public String attrString(String name, String dflt) {
        return Attributes.getString(node, name, dflt);
    }

    // ------------------------------------------------------------------ shapes and constants

    /** Static shape with -1 for batch-dependent dimensions. */
    public long[] shape(String tensor) {
        long[] a = shapesA.shape(tensor);
        long[] b = shapesB.shape(tensor);
        if (a.length != b.length) {
            throw new IllegalStateException("rank of '" + tensor + "' depends on the batch size");
        }
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) {
            if (a[i] != b[i]) {
                s[i] = -1;
            }
        }
        return s;
    }

    public int rank(String tensor) {
        return shapesA.shape(tensor).length;
    }

    /** The analysis-time value of a tensor when it does not depend on the batch size. */
    public Optional<ConstValue> constant(String tensor) {
        if (tensor.isEmpty()) {
            return Optional.empty();
        }
        Optional<ConstValue> a = shapesA.constant(tensor);
        Optional<ConstValue> b = shapesB.constant(tensor);
        if (a.isEmpty() || b.isEmpty() || !a.get().sameAs(b.get())) {
            return Optional.empty();
        }
        return a;
    }

    /** The int64 values of a constant input; fails naming the node when the input is computed at run time. */
    public long[] constInts(int inputIndex, String what) {
        return constant(input(inputIndex)).map(ConstValue::longs).orElseThrow(() -> new IllegalStateException(
                node.getOpType() + " node '" + node.getName() + "': " + what + " must be a constant"));
    }

    // ------------------------------------------------------------------ emitters

    private String fresh(String hint) {
        return "grad/" + (counter++) + "/" + hint;
    }

    /** Emits a single-output node and returns its output name. */
    public String op(String opType, List<String> inputs, AttributeProto... attrs) {
        return opN(opType, 1, inputs, attrs)[0];
    }

    public String op(String opType, String input, AttributeProto... attrs) {
        return op(opType, List.of(input), attrs);
    }

    public String op(String opType, String a, String b, AttributeProto... attrs) {
        return op(opType, List.of(a, b), attrs);
    }

    /** Emits a node with {@code outputs} outputs and returns their names. */
    public String[] opN(String opType, int outputs, List<String> inputs, AttributeProto... attrs) {
        String base = fresh(opType);
        String[] outs = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            outs[i] = outputs == 1 ? base : base + ":" + i;
        }
        nodes.add(Attributes.node(opType, base, inputs.toArray(String[]::new), outs, attrs));
        return outs;
    }

    /** A 1-D int64 constant. */
    public String ints(long... values) {
        String name = fresh("const");
        initializers.add(Tensors.longs1d(name, values));
        return name;
    }

    /** An int64 scalar (rank 0) constant. */
    public String intScalar(long v) {
        String name = fresh("const");
        initializers.add(Tensors.longs(name, new long[] {v}));
        return name;
    }

    /** A float32 scalar constant. */
    public String scalar(float v) {
        String name = fresh("const");
        initializers.add(Tensors.scalar(name, v));
        return name;
    }

    public String floats(float[] data, long... dims) {
        String name = fresh("const");
        initializers.add(Tensors.floats(name, data, dims));
        return name;
    }

    /** Shape(x), emitted once per tensor. */
    public String shapeOf(String x) {
        return shapeCache.computeIfAbsent(x, k -> op("Shape", k));
    }

    public String add(String a, String b) {
        return op("Add", a, b);
    }

    public String sub(String a, String b) {
        return op("Sub", a, b);
    }

    public String mul(String a, String b) {
        return op("Mul", a, b);
    }

    public String div(String a, String b) {
        return op("Div", a, b);
    }

    public String neg(String a) {
        return op("Neg", a);
    }

    public String where(String cond, String a, String b) {
        return op("Where", List.of(cond, a, b));
    }

    public String zerosLike(String x) {
        return op("ConstantOfShape", List.of(shapeOf(x)), Attributes.ofTensor("value", Tensors.floats("zero", new float[] {0f}, 1)));
    }

    public String reshape(String x, String shapeTensor) {
        return op("Reshape", x, shapeTensor);
    }

    /** Reshape(x, Shape(like)). */
    public String reshapeLike(String x, String like) {
        return reshape(x, shapeOf(like));
    }

    public String transpose(String x, long... perm) {
        return op("Transpose", x, Attributes.ofInts("perm", perm));
    }

    public String reduceSum(String x, long[] axes, boolean keepdims) {
        if (opset >= 13) {
            return op("ReduceSum", List.of(x, ints(axes)), Attributes.ofInt("keepdims", keepdims ? 1 : 0));
        }
        return op("ReduceSum", List.of(x), Attributes.ofInts("axes", axes), Attributes.ofInt("keepdims", keepdims ? 1 : 0));
    }

    public String reduceMax(String x, long[] axes, boolean keepdims) {
        if (opset >= 18) {
            return op("ReduceMax", List.of(x, ints(axes)), Attributes.ofInt("keepdims", keepdims ? 1 : 0));
        }
        return op("ReduceMax", List.of(x), Attributes.ofInts("axes", axes), Attributes.ofInt("keepdims", keepdims ? 1 : 0));
    }

    public String unsqueeze(String x, long... axes) {
        if (opset >= 13) {
            return op("Unsqueeze", x, ints(axes));
        }
        return op("Unsqueeze", x, Attributes.ofInts("axes", axes));
    }

    public String squeeze(String x, long... axes) {
        if (opset >= 13) {
            return op("Squeeze", x, ints(axes));
        }
        return op("Squeeze", x, Attributes.ofInts("axes", axes));
    }

    /** Slice with constant starts/ends/axes/steps. */
    public String slice(String x, long[] starts, long[] ends, long[] axes, long[] steps) {
        if (opset >= 10) {
            List<String> in = new ArrayList<>(List.of(x, ints(starts), ints(ends), ints(axes)));
            if (steps != null) {
                in.add(ints(steps));
            }
            return op("Slice", in);
        }
        return op("Slice", List.of(x), Attributes.ofInts("starts", starts), Attributes.ofInts("ends", ends),
                Attributes.ofInts("axes", axes));
    }

    /** Constant-mode zero padding, pads as [begin..., end...] (negative values crop). */
    public String pad(String x, long[] pads) {
        if (opset >= 11) {
            return op("Pad", x, ints(pads));
        }
        return op("Pad", List.of(x), Attributes.ofInts("pads", pads));
    }

    /** Splits x along axis into parts of the given (constant) sizes. */
    public String[] split(String x, int axis, long[] sizes) {
        if (opset >= 13) {
            return opN("Split", sizes.length, List.of(x, ints(sizes)), Attributes.ofInt("axis", axis));
        }
        return opN("Split", sizes.length, List.of(x), Attributes.ofInt("axis", axis), Attributes.ofInts("split", sizes));
    }

    /** Float 1.0 where the boolean tensor is true, 0.0 elsewhere. */
    public String toFloat(String bool) {
        return op("Cast", bool, Attributes.ofInt("to", TensorProto.DataType.FLOAT_VALUE));
    }

    /**
     * Reduces a gradient computed at a broadcast output shape down to the shape of {@code target} (sums over the
     * axes along which target was broadcast), as needed by Add/Sub/Mul/Div/Where/Expand/Gemm's C.
     */
    public String sumToShape(String grad, String gradShapeOf, String target) {
        return reduceToShape(grad, shape(gradShapeOf), target);
    }

    /** As {@link #sumToShape} with the gradient's static shape given (-1 for batch-dependent dimensions). */
    public String reduceToShape(String grad, long[] gradShape, String target) {
        long[] t = shape(target);
        int lead = gradShape.length - t.length;
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < gradShape.length; i++) {
            int j = i - lead;
            if (j < 0 || (t[j] == 1 && gradShape[i] != 1)) {
                axes.add((long) i);
            }
        }
        if (axes.isEmpty()) {
            return grad;
        }
        String summed = reduceSum(grad, axes.stream().mapToLong(Long::longValue).toArray(), true);
        return lead == 0 ? summed : reshapeLike(summed, target);
    }

    /** ReduceMean over constant axes (attribute form before opset 18). */
    public String reduceMean(String x, long[] axes, boolean keepdims) {
        if (opset >= 18) {
            return op("ReduceMean", List.of(x, ints(axes)), Attributes.ofInt("keepdims", keepdims ? 1 : 0));
        }
        return op("ReduceMean", List.of(x), Attributes.ofInts("axes", axes), Attributes.ofInt("keepdims", keepdims ? 1 : 0));
    }

    /** True when the tensor has a floating-point element type (gradients flow only through those). */
    public boolean isFloat(String tensor) {
        int t = shapesA.elementType(tensor);
        return t == TensorProto.DataType.FLOAT_VALUE || t == TensorProto.DataType.DOUBLE_VALUE
                || t == TensorProto.DataType.FLOAT16_VALUE;
    }

    /** Why the current node cannot be handled; used by rules' {@link GradientRule#unsupportedReason}. */
    public String describe() {
        return node.getOpType() + " node '" + node.getName() + "'";
    }
}
