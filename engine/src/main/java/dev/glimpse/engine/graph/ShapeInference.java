package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.AttributeProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Static shapes of every value of a model for concrete input shapes, plus the values of small integer tensors
 * (shape arithmetic such as Shape→Gather→Unsqueeze→Concat) that shapes depend on.
 *
 * <p>Both the opset &lt; 13 attribute forms and the later input forms of Squeeze, Unsqueeze, Split, Slice, Pad,
 * Clip and the reductions are understood. An operator it does not know leaves its outputs without a shape; asking
 * for such a shape fails with the operator named.
 */
public final class ShapeInference {

    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    /** Folded constants larger than this are not materialised (shapes are still computed). */
    static final int MAX_CONST_ELEMENTS = 1 << 22;

    private final int opset;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, Integer> types = new HashMap<>();
    private final Map<String, ConstValue> consts = new HashMap<>();
    private final Map<String, String> unknownBecause = new HashMap<>();

    private ShapeInference(int opset) {
        this.opset = opset;
    }

    /** The result of an inference run. */
    public static final class Result {
        private final Map<String, long[]> shapes;
        private final Map<String, Integer> types;
        private final Map<String, ConstValue> consts;
        private final Map<String, String> unknownBecause;

        private Result(ShapeInference s) {
            this.shapes = Collections.unmodifiableMap(s.shapes);
            this.types = s.types;
            this.consts = s.consts;
            this.unknownBecause = s.unknownBecause;
        }

        /** The shape of a value; fails naming the value (and the operator that stopped inference) when unknown. */
        public long[] shape(String name) {
            long[] s = shapes.get(name);
            if (s == null) {
                String why = unknownBecause.get(name);
                throw new IllegalArgumentException("no static shape for tensor '" + name + "'"
                        + (why != null ? " (" + why + ")" : ""));
            }
            return s.clone();
        }

        public Optional<long[]> find(String name) {
            long[] s = shapes.get(name);
            return s == null ? Optional.empty() : Optional.of(s.clone());
        }

        /** All known shapes, in graph order (inputs and initializers first). */
        public Map<String, long[]> shapes() {
            return shapes;
        }

        /** ONNX element type of a value (FLOAT when unknown). */
        public int elementType(String name) {
            return types.getOrDefault(name, FLOAT);
        }

        /** The analysis-time value of a tensor (initializer, Constant or shape arithmetic), if known. */
        public Optional<ConstValue> constant(String name) {
            return Optional.ofNullable(consts.get(name));
        }
    }

    /**
     * Infers shapes with input shapes taken from the model's declarations, dimension 0 of every batch input (see
     * {@link Canonicalization#batchInputs}) set to {@code batch}; other undeclared dimensions make it fail naming
     * the input.
     */
    public static Result infer(OnnxModel model, long batch) {
        Map<String, long[]> in = new HashMap<>();
        java.util.Set<String> batchInputs = Canonicalization.batchInputs(model);
        for (ValueInfoProto v : model.inputs()) {
            long[] d = model.declaredShape(v.getName()).orElseThrow(() ->
                    new IllegalArgumentException("input '" + v.getName() + "' declares no shape; pass input shapes explicitly"));
            d = d.clone();
            if (d.length > 0 && batchInputs.contains(v.getName())) {
                d[0] = batch;
            }
            for (int i = 0; i < d.length; i++) {
                if (d[i] < 0) {
                    throw new IllegalArgumentException("input '" + v.getName() + "' has a symbolic dimension " + i
                            + " other than the batch; pass input shapes explicitly");
                }
            }
            in.put(v.getName(), d);
        }
        return infer(model, in);
    }

    /** Infers shapes for the given input shapes (inputs not in the map use their declared shape). */
    public static Result infer(OnnxModel model, Map<String, long[]> inputShapes) {
        ShapeInference s = new ShapeInference(model.opsetVersion());
        for (TensorProto t : model.initializers().values()) {
            s.shapes.put(t.getName(), Tensors.dims(t));
            s.types.put(t.getName(), t.getDataType());
            if (Tensors.size(Tensors.dims(t)) <= MAX_CONST_ELEMENTS) {
                s.consts.put(t.getName(), ConstValue.of(t));
            }
        }
        for (ValueInfoProto v : model.inputs()) {
            long[] d = inputShapes.get(v.getName());
            if (d == null) {
                d = model.declaredShape(v.getName()).orElse(null);
                if (d != null && Arrays.stream(d).anyMatch(x -> x < 0)) {
                    d = null;
                }
            }
            if (d != null) {
                s.shapes.put(v.getName(), d.clone());
            } else {
                s.unknownBecause.put(v.getName(), "input shape not given");
            }
            s.types.put(v.getName(), v.getType().getTensorType().getElemType());
        }
        for (NodeProto n : model.nodes()) {
            try {
                s.visit(n);
            } catch (RuntimeException e) {
                for (String o : n.getOutputList()) {
                    s.shapes.remove(o);
                    s.unknownBecause.put(o, n.getOpType() + " node '" + n.getName() + "': " + e.getMessage());
                }
            }
        }
        return new Result(s);
    }

    // ------------------------------------------------------------------ helpers

    private String in(NodeProto n, int i) {
        return i < n.getInputCount() ? n.getInput(i) : "";
    }

    private boolean present(NodeProto n, int i) {
        return !in(n, i).isEmpty();
    }

    private long[] sh(NodeProto n, int i) {
        String name = in(n, i);
        long[] s = shapes.get(name);
        if (s == null) {
            String why = unknownBecause.get(name);
            throw new IllegalStateException("shape of input '" + name + "' unknown" + (why != null ? " <- " + why : ""));
        }
        return s;
    }

    private ConstValue cst(NodeProto n, int i) {
        return present(n, i) ? consts.get(in(n, i)) : null;
    }

    private long[] constInts(NodeProto n, int i, String what) {
        ConstValue c = cst(n, i);
        if (c == null) {
            throw new IllegalStateException(what + " input '" + in(n, i) + "' is not a constant");
        }
        return c.longs();
    }

    private int type(NodeProto n, int i) {
        return types.getOrDefault(in(n, i), FLOAT);
    }

    private void out(NodeProto n, int i, long[] shape, int type) {
        if (i < n.getOutputCount() && !n.getOutput(i).isEmpty()) {
            shapes.put(n.getOutput(i), shape);
            types.put(n.getOutput(i), type);
        }
    }

    private void val(NodeProto n, int i, ConstValue v) {
        if (v != null && v.size() <= MAX_CONST_ELEMENTS && i < n.getOutputCount()) {
            consts.put(n.getOutput(i), v);
        }
    }

    private boolean allConst(NodeProto n) {
        for (String i : n.getInputList()) {
            if (!i.isEmpty() && !consts.containsKey(i)) {
                return false;
            }
        }
        return true;
    }

    public static int axis(long a, int rank) {
        int r = (int) (a < 0 ? a + rank : a);
        if (r < 0 || r >= Math.max(rank, 1)) {
            throw new IllegalArgumentException("axis " + a + " out of range for rank " + rank);
        }
        return r;
    }

    /** The numpy-style broadcast of two shapes; fails when they do not broadcast. */
    public static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /** Spatial attributes of a Conv or pool node, with auto_pad resolved to explicit pads. */
    public static final class Window {
        public final long[] kernel;
        public final long[] strides;
        public final long[] dilations;
        public final long[] pads;
        public final long[] outSpatial;

        Window(long[] kernel, long[] strides, long[] dilations, long[] pads, long[] outSpatial) {
            this.kernel = kernel;
            this.strides = strides;
            this.dilations = dilations;
            this.pads = pads;
            this.outSpatial = outSpatial;
        }
    }

    /** Resolves kernel/strides/dilations/pads (auto_pad, ceil_mode) of Conv / MaxPool / AveragePool / LpPool. */
    public static Window window(NodeProto n, long[] inSpatial, long[] kernel, boolean ceilModeAllowed) {
        int r = inSpatial.length;
        long[] strides = Attributes.getInts(n, "strides", filled(r, 1));
        long[] dil = Attributes.getInts(n, "dilations", filled(r, 1));
        long[] pads = Attributes.getInts(n, "pads", filled(2 * r, 0)).clone();
        String autoPad = Attributes.getString(n, "auto_pad", "NOTSET");
        boolean ceil = ceilModeAllowed && Attributes.getInt(n, "ceil_mode", 0) == 1;
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long ek = (kernel[i] - 1) * dil[i] + 1;
            if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
                out[i] = (inSpatial[i] + strides[i] - 1) / strides[i];
                long total = Math.max(0, (out[i] - 1) * strides[i] + ek - inSpatial[i]);
                long small = total / 2;
                long big = total - small;
                pads[i] = autoPad.equals("SAME_UPPER") ? small : big;
                pads[i + r] = autoPad.equals("SAME_UPPER") ? big : small;
            } else if (autoPad.equals("VALID")) {
                pads[i] = 0;
                pads[i + r] = 0;
                out[i] = (inSpatial[i] - ek) / strides[i] + 1;
            } else {
                long span = inSpatial[i] + pads[i] + pads[i + r] - ek;
                if (ceil) {
                    out[i] = Math.floorDiv(span + strides[i] - 1, strides[i]) + 1;
                    // a last window that would start inside the end padding is dropped (as PyTorch and ORT do)
                    if ((out[i] - 1) * strides[i] >= inSpatial[i] + pads[i]) {
                        out[i]--;
                    }
                } else {
                    out[i] = Math.floorDiv(span, strides[i]) + 1;
                }
            }
        }
        return new Window(kernel, strides, dil, pads, out);
    }

    /** n copies of v. */
    public static long[] filled(int n, long v) {
        long[] a = new long[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Axes of Squeeze/Unsqueeze/Reduce*: attribute before the opset where they became an input. */
    private long[] axesOf(NodeProto n, int inputIndex) {
        if (present(n, inputIndex)) {
            return constInts(n, inputIndex, "axes");
        }
        return Attributes.getInts(n, "axes", null);
    }

    // ------------------------------------------------------------------ the operators

    private void visit(NodeProto n) {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new IllegalStateException("operator domain '" + n.getDomain() + "' unknown");
        }
        switch (op) {
            case "Constant": {
                ConstValue v = constantValue(n);
                out(n, 0, v.dims, v.dataType);
                val(n, 0, v);
                return;
            }
            case "Identity": case "Relu": case "LeakyRelu": case "Sigmoid": case "Tanh": case "HardSigmoid":
            case "HardSwish": case "Softmax": case "LogSoftmax": case "LRN": case "Exp": case "Log": case "Neg":
            case "Sqrt": case "Abs": case "Erf": case "Floor": case "Ceil": case "Reciprocal": case "Sign":
            case "Softplus": case "Softsign": case "Elu": case "Selu": case "Gelu": case "Celu": case "Mish":
            case "InstanceNormalization": case "Clip": case "PRelu": case "Round": case "Sin": case "Cos":
            case "ThresholdedRelu": case "LpNormalization": case "MeanVarianceNormalization": case "Shrink": {
                out(n, 0, sh(n, 0), type(n, 0));
                if (allConst(n) && cst(n, 0) != null) {
                    val(n, 0, ConstEval.unary(op, n, cst(n, 0)));
                }
                return;
            }
            case "Not": case "IsNaN": case "IsInf":
                out(n, 0, sh(n, 0), BOOL);
                return;
            case "Cast": {
                int to = (int) Attributes.getInt(n, "to", FLOAT);
                out(n, 0, sh(n, 0), to);
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.cast(cst(n, 0), to));
                }
                return;
            }
            case "CastLike": {
                out(n, 0, sh(n, 0), type(n, 1));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.cast(cst(n, 0), type(n, 1)));
                }
                return;
            }
            case "Dropout": {
                out(n, 0, sh(n, 0), type(n, 0));
                out(n, 1, sh(n, 0), BOOL);
                if (cst(n, 0) != null) {
                    val(n, 0, cst(n, 0));
                }
                return;
            }
            case "BatchNormalization": {
                out(n, 0, sh(n, 0), type(n, 0));
                long[] c = new long[] {sh(n, 0)[1]};
                for (int i = 1; i < 5; i++) {
                    out(n, i, c, type(n, 0));
                }
                return;
            }
            case "LayerNormalization": {
                out(n, 0, sh(n, 0), type(n, 0));
                return;
            }
            case "Add": case "Sub": case "Mul": case "Div": case "Pow": case "Max": case "Min": case "Sum":
            case "Mean": case "Mod": case "BitShift": {
                long[] s = sh(n, 0);
                for (int i = 1; i < n.getInputCount(); i++) {
                    s = broadcast(s, sh(n, i));
                }
                out(n, 0, s, type(n, 0));
                if (allConst(n)) {
                    ConstValue v = cst(n, 0);
                    for (int i = 1; i < n.getInputCount() && v != null; i++) {
                        v = ConstEval.binary(op.equals("Sum") ? "Add" : op, v, cst(n, i));
                    }
                    if (op.equals("Mean") && v != null) {
                        v = ConstEval.binary("Div", v, ConstValue.ofReals(FLOAT, new long[0], new double[] {n.getInputCount()}));
                    }
                    val(n, 0, v);
                }
                return;
            }
            case "Equal": case "Greater": case "Less": case "GreaterOrEqual": case "LessOrEqual": case "And":
            case "Or": case "Xor": {
                out(n, 0, broadcast(sh(n, 0), sh(n, 1)), BOOL);
                if (allConst(n)) {
                    val(n, 0, ConstEval.binary(op, cst(n, 0), cst(n, 1)));
                }
                return;
            }
            case "Where": {
                out(n, 0, broadcast(broadcast(sh(n, 0), sh(n, 1)), sh(n, 2)), type(n, 1));
                if (allConst(n)) {
                    val(n, 0, ConstEval.where(cst(n, 0), cst(n, 1), cst(n, 2)));
                }
                return;
            }
            case "Shape": {
                long[] s = sh(n, 0);
                int start = (int) Attributes.getInt(n, "start", 0);
                int end = (int) Attributes.getInt(n, "end", s.length);
                start = clampAxis(start, s.length);
                end = clampAxis(end, s.length);
                long[] v = Arrays.copyOfRange(s, start, Math.max(start, end));
                out(n, 0, new long[] {v.length}, INT64);
                val(n, 0, ConstValue.ofInts(INT64, new long[] {v.length}, v));
                return;
            }
            case "Size": {
                out(n, 0, new long[0], INT64);
                val(n, 0, ConstValue.ofInts(INT64, new long[0], new long[] {Tensors.size(sh(n, 0))}));
                return;
            }
            case "Gather": {
                long[] d = sh(n, 0);
                long[] idx = sh(n, 1);
                int ax = axis(Attributes.getInt(n, "axis", 0), d.length);
                long[] s = concat(Arrays.copyOfRange(d, 0, ax), idx, Arrays.copyOfRange(d, ax + 1, d.length));
                out(n, 0, s, type(n, 0));
                if (allConst(n)) {
                    val(n, 0, ConstEval.gather(cst(n, 0), cst(n, 1), ax));
                }
                return;
            }
            case "Unsqueeze": {
                long[] axes = axesOf(n, 1);
                long[] s = sh(n, 0);
                int r = s.length + axes.length;
                boolean[] isNew = new boolean[r];
                for (long a : axes) {
                    isNew[axis(a, r)] = true;
                }
                long[] o = new long[r];
                for (int i = 0, j = 0; i < r; i++) {
                    o[i] = isNew[i] ? 1 : s[j++];
                }
                out(n, 0, o, type(n, 0));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.reshape(cst(n, 0), o));
                }
                return;
            }
            case "Squeeze": {
                long[] s = sh(n, 0);
                long[] axes = axesOf(n, 1);
                boolean[] drop = new boolean[s.length];
                if (axes == null) {
                    for (int i = 0; i < s.length; i++) {
                        drop[i] = s[i] == 1;
                    }
                } else {
                    for (long a : axes) {
                        drop[axis(a, s.length)] = true;
                    }
                }
                List<Long> o = new ArrayList<>();
                for (int i = 0; i < s.length; i++) {
                    if (!drop[i]) {
                        o.add(s[i]);
                    }
                }
                long[] os = o.stream().mapToLong(Long::longValue).toArray();
                out(n, 0, os, type(n, 0));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.reshape(cst(n, 0), os));
                }
                return;
            }
            case "Concat": {
                long[] first = sh(n, 0);
                int ax = axis(Attributes.getInt(n, "axis", 0), first.length);
                long[] s = first.clone();
                s[ax] = 0;
                for (int i = 0; i < n.getInputCount(); i++) {
                    s[ax] += sh(n, i)[ax];
                }
                out(n, 0, s, type(n, 0));
                if (allConst(n)) {
                    List<ConstValue> parts = new ArrayList<>();
                    for (int i = 0; i < n.getInputCount(); i++) {
                        parts.add(cst(n, i));
                    }
                    val(n, 0, ConstEval.concat(parts, ax));
                }
                return;
            }
            case "Reshape": {
                long[] s = sh(n, 0);
                long[] target = present(n, 1) ? constInts(n, 1, "shape") : Attributes.getInts(n, "shape", null);
                long[] o = reshapeTarget(s, target, Attributes.getInt(n, "allowzero", 0) == 1);
                out(n, 0, o, type(n, 0));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.reshape(cst(n, 0), o));
                }
                return;
            }
            case "Flatten": {
                long[] s = sh(n, 0);
                int ax = (int) Attributes.getInt(n, "axis", 1);
                if (ax < 0) {
                    ax += s.length;
                }
                long a = 1;
                long b = 1;
                for (int i = 0; i < s.length; i++) {
                    if (i < ax) {
                        a *= s[i];
                    } else {
                        b *= s[i];
                    }
                }
                out(n, 0, new long[] {a, b}, type(n, 0));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.reshape(cst(n, 0), new long[] {a, b}));
                }
                return;
            }
            case "Transpose": {
                long[] s = sh(n, 0);
                long[] perm = Attributes.getInts(n, "perm", null);
                if (perm == null) {
                    perm = new long[s.length];
                    for (int i = 0; i < s.length; i++) {
                        perm[i] = s.length - 1 - i;
                    }
                }
                long[] o = new long[s.length];
                for (int i = 0; i < s.length; i++) {
                    o[i] = s[(int) perm[i]];
                }
                out(n, 0, o, type(n, 0));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.transpose(cst(n, 0), perm));
                }
                return;
            }
            case "Slice": {
                long[] s = sh(n, 0);
                SliceSpec spec = sliceSpec(n, s);
                out(n, 0, spec.outShape, type(n, 0));
                if (cst(n, 0) != null) {
                    val(n, 0, ConstEval.slice(cst(n, 0), spec));
                }
                return;
            }
            case "Split": {
                long[] s = sh(n, 0);
                int ax = axis(Attributes.getInt(n, "axis", 0), s.length);
                long[] sizes = splitSizes(n, s[ax]);
                for (int i = 0; i < sizes.length; i++) {
                    long[] o = s.clone();
                    o[ax] = sizes[i];
                    out(n, i, o, type(n, 0));
                }
                return;
            }
            case "Pad": {
                long[] s = sh(n, 0);
                long[] pads = padsOf(n, s.length);
                long[] o = s.clone();
                for (int i = 0; i < s.length; i++) {
                    o[i] += pads[i] + pads[i + s.length];
                }
                out(n, 0, o, type(n, 0));
                return;
            }
            case "Conv": {
                long[] x = sh(n, 0);
                long[] w = sh(n, 1);
                long[] spatial = Arrays.copyOfRange(x, 2, x.length);
                long[] kernel = Attributes.getInts(n, "kernel_shape", Arrays.copyOfRange(w, 2, w.length));
                Window win = window(n, spatial, kernel, false);
                long[] o = new long[x.length];
                o[0] = x[0];
                o[1] = w[0];
                System.arraycopy(win.outSpatial, 0, o, 2, spatial.length);
                out(n, 0, o, type(n, 0));
                return;
            }
            case "ConvTranspose": {
                long[] x = sh(n, 0);
                long[] w = sh(n, 1);
                int r = x.length - 2;
                long g = Attributes.getInt(n, "group", 1);
                long[] kernel = Attributes.getInts(n, "kernel_shape", Arrays.copyOfRange(w, 2, w.length));
                long[] strides = Attributes.getInts(n, "strides", filled(r, 1));
                long[] dil = Attributes.getInts(n, "dilations", filled(r, 1));
                long[] pads = Attributes.getInts(n, "pads", filled(2 * r, 0));
                long[] outPad = Attributes.getInts(n, "output_padding", filled(r, 0));
                long[] outShape = Attributes.getInts(n, "output_shape", null);
                long[] o = new long[x.length];
                o[0] = x[0];
                o[1] = w[1] * g;
                for (int i = 0; i < r; i++) {
                    o[i + 2] = outShape != null ? outShape[outShape.length - r + i]
                            : strides[i] * (x[i + 2] - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1 - pads[i] - pads[i + r];
                }
                out(n, 0, o, type(n, 0));
                return;
            }
            case "MaxPool": case "AveragePool": case "LpPool": {
                long[] x = sh(n, 0);
                long[] spatial = Arrays.copyOfRange(x, 2, x.length);
                Window win = window(n, spatial, Attributes.getInts(n, "kernel_shape", null), true);
                long[] o = x.clone();
                System.arraycopy(win.outSpatial, 0, o, 2, spatial.length);
                out(n, 0, o, type(n, 0));
                out(n, 1, o, INT64);
                return;
            }
            case "GlobalAveragePool": case "GlobalMaxPool": case "GlobalLpPool": {
                long[] o = sh(n, 0).clone();
                for (int i = 2; i < o.length; i++) {
                    o[i] = 1;
                }
                out(n, 0, o, type(n, 0));
                return;
            }
            case "Gemm": {
                long[] a = sh(n, 0);
                long[] b = sh(n, 1);
                long m = Attributes.getInt(n, "transA", 0) == 1 ? a[1] : a[0];
                long nn = Attributes.getInt(n, "transB", 0) == 1 ? b[0] : b[1];
                out(n, 0, new long[] {m, nn}, type(n, 0));
                return;
            }
            case "MatMul": {
                out(n, 0, matmulShape(sh(n, 0), sh(n, 1)), type(n, 0));
                return;
            }
            case "ReduceMean": case "ReduceSum": case "ReduceMax": case "ReduceMin": case "ReduceProd":
            case "ReduceL1": case "ReduceL2": case "ReduceLogSumExp": case "ReduceSumSquare": case "ReduceLogSum": {
                long[] s = sh(n, 0);
                long[] axes = axesOf(n, 1);
                boolean keep = Attributes.getInt(n, "keepdims", 1) == 1;
                boolean noopEmpty = Attributes.getInt(n, "noop_with_empty_axes", 0) == 1;
                long[] o = reduceShape(s, axes, keep, noopEmpty);
                out(n, 0, o, type(n, 0));
                if ((op.equals("ReduceProd") || op.equals("ReduceSum")) && cst(n, 0) != null
                        && (axes == null || axes.length == s.length || s.length == 1) && Tensors.size(o) == 1) {
                    double p = op.equals("ReduceProd") ? 1 : 0;
                    for (double d : cst(n, 0).doubles()) {
                        p = op.equals("ReduceProd") ? p * d : p + d;
                    }
                    ConstValue c = cst(n, 0);
                    val(n, 0, c.isReal() ? ConstValue.ofReals(c.dataType, o, new double[] {p})
                            : ConstValue.ofInts(c.dataType, o, new long[] {(long) p}));
                }
                return;
            }
            case "ArgMax": case "ArgMin": {
                long[] s = sh(n, 0);
                int ax = axis(Attributes.getInt(n, "axis", 0), s.length);
                boolean keep = Attributes.getInt(n, "keepdims", 1) == 1;
                out(n, 0, reduceShape(s, new long[] {ax}, keep, false), INT64);
                return;
            }
            case "TopK": {
                long[] s = sh(n, 0).clone();
                int ax = axis(Attributes.getInt(n, "axis", -1), s.length);
                long k = present(n, 1) ? constInts(n, 1, "K")[0] : Attributes.getInt(n, "k", 1);
                s[ax] = k;
                out(n, 0, s, type(n, 0));
                out(n, 1, s, INT64);
                return;
            }
            case "ConstantOfShape": {
                long[] s = constInts(n, 0, "shape");
                ConstValue fill = Attributes.getTensor(n, "value").map(ConstValue::of)
                        .orElse(ConstValue.ofReals(FLOAT, new long[] {1}, new double[] {0}));
                out(n, 0, s, fill.dataType);
                if (Tensors.size(s) <= MAX_CONST_ELEMENTS) {
                    val(n, 0, ConstEval.fill(fill, s));
                }
                return;
            }
            case "Expand": {
                long[] o = broadcast(sh(n, 0), constInts(n, 1, "shape"));
                out(n, 0, o, type(n, 0));
                if (cst(n, 0) != null && Tensors.size(o) <= MAX_CONST_ELEMENTS) {
                    val(n, 0, ConstEval.expand(cst(n, 0), o));
                }
                return;
            }
            case "Tile": {
                long[] s = sh(n, 0).clone();
                long[] rep = constInts(n, 1, "repeats");
                for (int i = 0; i < s.length; i++) {
                    s[i] *= rep[i];
                }
                out(n, 0, s, type(n, 0));
                return;
            }
            case "Range": {
                ConstValue st = cst(n, 0);
                ConstValue li = cst(n, 1);
                ConstValue de = cst(n, 2);
                if (st == null || li == null || de == null) {
                    throw new IllegalStateException("Range with non-constant inputs");
                }
                double a = st.real(0);
                double l = li.real(0);
                double d = de.real(0);
                int count = (int) Math.max(0, Math.ceil((l - a) / d));
                double[] v = new double[count];
                for (int i = 0; i < count; i++) {
                    v[i] = a + i * d;
                }
                out(n, 0, new long[] {count}, st.dataType);
                val(n, 0, st.isReal() ? ConstValue.ofReals(st.dataType, new long[] {count}, v)
                        : ConstValue.ofInts(st.dataType, new long[] {count}, Arrays.stream(v).mapToLong(x -> (long) x).toArray()));
                return;
            }
            case "OneHot": {
                long[] idx = sh(n, 0);
                long depth = constInts(n, 1, "depth")[0];
                int r = idx.length + 1;
                int ax = axis(Attributes.getInt(n, "axis", -1), r);
                long[] o = new long[r];
                for (int i = 0, j = 0; i < r; i++) {
                    o[i] = i == ax ? depth : idx[j++];
                }
                out(n, 0, o, type(n, 2));
                return;
            }
            case "GatherElements":
                out(n, 0, sh(n, 1), type(n, 0));
                return;
            case "ScatterElements": case "ScatterND": case "CumSum":
                out(n, 0, sh(n, 0), type(n, 0));
                return;
            case "Resize": case "Upsample": {
                long[] s = sh(n, 0);
                long[] o = s.clone();
                ConstValue sizes = op.equals("Resize") ? cst(n, 3) : null;
                ConstValue scales = op.equals("Resize") ? cst(n, 2) : (present(n, 1) ? cst(n, 1) : null);
                float[] attrScales = Attributes.getFloats(n, "scales", null);
                if (sizes != null && sizes.size() > 0) {
                    o = sizes.longs();
                } else if (scales != null && scales.size() > 0) {
                    for (int i = 0; i < s.length; i++) {
                        o[i] = (long) Math.floor(s[i] * scales.real(i));
                    }
                } else if (attrScales != null) {
                    for (int i = 0; i < s.length; i++) {
                        o[i] = (long) Math.floor(s[i] * attrScales[i]);
                    }
                } else {
                    throw new IllegalStateException("Resize without constant scales or sizes");
                }
                out(n, 0, o, type(n, 0));
                return;
            }
            default:
                throw new IllegalStateException("no shape rule for operator " + op);
        }
    }

    private static int clampAxis(int a, int rank) {
        if (a < 0) {
            a += rank;
        }
        return Math.max(0, Math.min(rank, a));
    }

    /** The arrays one after the other. */
    public static long[] concat(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] o = new long[n];
        int k = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, o, k, p.length);
            k += p.length;
        }
        return o;
    }

    static long[] reduceShape(long[] s, long[] axes, boolean keep, boolean noopEmpty) {
        boolean[] red = new boolean[s.length];
        if (axes == null || axes.length == 0) {
            if (!noopEmpty) {
                Arrays.fill(red, true);
            }
        } else {
            for (long a : axes) {
                red[axis(a, s.length)] = true;
            }
        }
        List<Long> o = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            if (!red[i]) {
                o.add(s[i]);
            } else if (keep) {
                o.add(1L);
            }
        }
        return o.stream().mapToLong(Long::longValue).toArray();
    }

    static long[] matmulShape(long[] a, long[] b) {
        long[] a2 = a.length == 1 ? new long[] {1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[] {b[0], 1} : b;
        if (a2[a2.length - 1] != b2[b2.length - 2]) {
            throw new IllegalArgumentException("MatMul inner dimensions differ: " + Arrays.toString(a) + " x " + Arrays.toString(b));
        }
        long[] batch = broadcast(Arrays.copyOfRange(a2, 0, a2.length - 2), Arrays.copyOfRange(b2, 0, b2.length - 2));
        List<Long> o = new ArrayList<>();
        for (long d : batch) {
            o.add(d);
        }
        if (a.length > 1) {
            o.add(a2[a2.length - 2]);
        }
        if (b.length > 1) {
            o.add(b2[b2.length - 1]);
        }
        return o.stream().mapToLong(Long::longValue).toArray();
    }

    static long[] reshapeTarget(long[] in, long[] target, boolean allowZero) {
        long[] o = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < o.length; i++) {
            if (o[i] == 0 && !allowZero) {
                o[i] = in[i];
            }
            if (o[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " has two -1");
                }
                infer = i;
            } else {
                known *= o[i];
            }
        }
        long total = Tensors.size(in);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
            }
            o[infer] = total / known;
        } else if (known != total) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        return o;
    }

    /** Resolved Slice parameters: per axis of the input, start, step and count. */
    public static final class SliceSpec {
        public final long[] starts;
        public final long[] steps;
        public final long[] outShape;

        SliceSpec(long[] starts, long[] steps, long[] outShape) {
            this.starts = starts;
            this.steps = steps;
            this.outShape = outShape;
        }
    }

    private SliceSpec sliceSpec(NodeProto n, long[] s) {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (opset < 10 || (!present(n, 1) && Attributes.has(n, "starts"))) {
            starts = Attributes.getInts(n, "starts", null);
            ends = Attributes.getInts(n, "ends", null);
            axes = Attributes.getInts(n, "axes", null);
            steps = null;
        } else {
            starts = constInts(n, 1, "starts");
            ends = constInts(n, 2, "ends");
            axes = present(n, 3) ? constInts(n, 3, "axes") : null;
            steps = present(n, 4) ? constInts(n, 4, "steps") : null;
        }
        return resolveSlice(s, starts, ends, axes, steps);
    }

    public static SliceSpec resolveSlice(long[] s, long[] starts, long[] ends, long[] axes, long[] steps) {
        long[] st = new long[s.length];
        long[] sp = filled(s.length, 1);
        long[] o = s.clone();
        for (int k = 0; k < starts.length; k++) {
            int ax = axes == null ? k : axis(axes[k], s.length);
            long step = steps == null ? 1 : steps[k];
            long dim = s[ax];
            long b = starts[k];
            long e = ends[k];
            if (b < 0) {
                b += dim;
            }
            if (e < 0) {
                e += dim;
            }
            long count;
            if (step > 0) {
                b = Math.max(0, Math.min(dim, b));
                e = Math.max(0, Math.min(dim, e));
                count = Math.max(0, (e - b + step - 1) / step);
            } else {
                b = Math.max(-1, Math.min(dim - 1, b));
                e = Math.max(-1, Math.min(dim - 1, e));
                count = Math.max(0, (b - e + (-step) - 1) / (-step));
            }
            st[ax] = b;
            sp[ax] = step;
            o[ax] = count;
        }
        return new SliceSpec(st, sp, o);
    }

    private long[] splitSizes(NodeProto n, long dim) {
        long[] split = present(n, 1) ? constInts(n, 1, "split") : Attributes.getInts(n, "split", null);
        if (split != null) {
            return split;
        }
        int parts = (int) Attributes.getInt(n, "num_outputs", n.getOutputCount());
        long[] o = new long[parts];
        long chunk = (dim + parts - 1) / parts;
        for (int i = 0; i < parts; i++) {
            o[i] = Math.max(0, Math.min(chunk, dim - chunk * i));
        }
        return o;
    }

    private long[] padsOf(NodeProto n, int rank) {
        long[] pads;
        if (present(n, 1)) {
            pads = constInts(n, 1, "pads");
        } else {
            pads = Attributes.getInts(n, "pads", Attributes.getInts(n, "paddings", null));
        }
        if (present(n, 3)) {
            long[] axes = constInts(n, 3, "axes");
            long[] full = new long[2 * rank];
            for (int k = 0; k < axes.length; k++) {
                int a = axis(axes[k], rank);
                full[a] = pads[k];
                full[a + rank] = pads[k + axes.length];
            }
            return full;
        }
        return pads;
    }

    private ConstValue constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return ConstValue.of(a.getT());
                case "value_float":
                    return ConstValue.ofReals(FLOAT, new long[0], new double[] {a.getF()});
                case "value_floats":
                    return ConstValue.ofReals(FLOAT, new long[] {a.getFloatsCount()},
                            a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray());
                case "value_int":
                    return ConstValue.ofInts(INT64, new long[0], new long[] {a.getI()});
                case "value_ints":
                    return ConstValue.ofInts(INT64, new long[] {a.getIntsCount()},
                            a.getIntsList().stream().mapToLong(Long::longValue).toArray());
                default:
                    break;
            }
        }
        throw new IllegalStateException("Constant without a supported value attribute");
    }
}
