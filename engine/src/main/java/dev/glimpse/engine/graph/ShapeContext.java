package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.Map;

/**
 * What a {@link ShapeRule} sees and sets: the node, the shapes, element types and known values of its inputs, and
 * the outputs it infers. Reading an input whose shape is unknown throws, naming the input and why it is unknown.
 */
public final class ShapeContext {

    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    public static final int INT64 = TensorProto.DataType.INT64_VALUE;
    public static final int BOOL = TensorProto.DataType.BOOL_VALUE;

    private final NodeProto node;
    private final int opset;
    private final Map<String, long[]> shapes;
    private final Map<String, Integer> types;
    private final Map<String, ConstValue> consts;
    private final Map<String, String> unknownBecause;

    ShapeContext(NodeProto node, int opset, Map<String, long[]> shapes, Map<String, Integer> types,
                 Map<String, ConstValue> consts, Map<String, String> unknownBecause) {
        this.node = node;
        this.opset = opset;
        this.shapes = shapes;
        this.types = types;
        this.consts = consts;
        this.unknownBecause = unknownBecause;
    }

    public NodeProto node() {
        return node;
    }

    public String opType() {
        return node.getOpType();
    }

    public int opset() {
        return opset;
    }

    public int inputCount() {
        return node.getInputCount();
    }

    public int outputCount() {
        return node.getOutputCount();
    }

    /** Name of input i, or "" when absent. */
    public String input(int i) {
        return i < node.getInputCount() ? node.getInput(i) : "";
    }

    public boolean present(int i) {
        return !input(i).isEmpty();
    }

    /** The shape of input i (not a copy: rules must not change it). */
    public long[] shape(int i) {
        String name = input(i);
        long[] s = shapes.get(name);
        if (s == null) {
            String why = unknownBecause.get(name);
            throw new IllegalStateException("shape of input '" + name + "' unknown" + (why != null ? " <- " + why : ""));
        }
        return s;
    }

    /** ONNX element type of input i (FLOAT when unknown). */
    public int type(int i) {
        return types.getOrDefault(input(i), FLOAT);
    }

    /** The known value of input i, or null. */
    public ConstValue constant(int i) {
        return present(i) ? consts.get(input(i)) : null;
    }

    /** The known value of input i as integers; fails naming it as {@code what} when it is not known. */
    public long[] constInts(int i, String what) {
        ConstValue c = constant(i);
        if (c == null) {
            throw new IllegalStateException(what + " input '" + input(i) + "' is not a constant");
        }
        return c.longs();
    }

    /** Whether every present input has a known value. */
    public boolean allConstant() {
        for (String i : node.getInputList()) {
            if (!i.isEmpty() && !consts.containsKey(i)) {
                return false;
            }
        }
        return true;
    }

    /** Axes of Squeeze/Unsqueeze/Reduce*: the input at {@code inputIndex} when present, else the attribute. */
    public long[] axes(int inputIndex) {
        if (present(inputIndex)) {
            return constInts(inputIndex, "axes");
        }
        return Attributes.getInts(node, "axes", null);
    }

    /** Sets output i (ignored when the node has no such output or leaves it unnamed). */
    public void output(int i, long[] shape, int type) {
        if (i < node.getOutputCount() && !node.getOutput(i).isEmpty()) {
            shapes.put(node.getOutput(i), shape);
            types.put(node.getOutput(i), type);
        }
    }

    /** Records the value of output i; null or too large a value is not kept. */
    public void constantOutput(int i, ConstValue v) {
        if (v != null && v.size() <= ShapeInference.MAX_CONST_ELEMENTS && i < node.getOutputCount()) {
            consts.put(node.getOutput(i), v);
        }
    }

    /** Whether a value of this shape is small enough to be kept (larger ones are not worth computing). */
    public boolean fitsConstant(long[] shape) {
        return Tensors.size(shape) <= ShapeInference.MAX_CONST_ELEMENTS;
    }
}
