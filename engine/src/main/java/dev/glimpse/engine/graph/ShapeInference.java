package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Static shapes of every value of a model for concrete input shapes, plus the values of small integer tensors
 * (shape arithmetic such as Shape→Gather→Unsqueeze→Concat) that shapes depend on.
 *
 * <p>Both the opset &lt; 13 attribute forms and the later input forms of Squeeze, Unsqueeze, Split, Slice, Pad,
 * Clip and the reductions are understood. An operator it does not know leaves its outputs without a shape; asking
 * for such a shape fails with the operator named.
 *
 * <p>What each operator does to shapes is its {@link ShapeRule} in {@link ShapeRules}; this class walks the graph
 * in order and records what the rules infer.
 */
public final class ShapeInference {

    /** Folded constants larger than this are not materialised (shapes are still computed). */
    static final int MAX_CONST_ELEMENTS = 1 << 22;
    private static final ShapeRules RULES = ShapeRules.standard();

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
            return types.getOrDefault(name, ShapeContext.FLOAT);
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
        Set<String> batchInputs = Canonicalization.batchInputs(model);
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

    private void visit(NodeProto n) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new IllegalStateException("operator domain '" + n.getDomain() + "' unknown");
        }
        ShapeRule rule = RULES.find(n.getOpType())
                .orElseThrow(() -> new IllegalStateException("no shape rule for operator " + n.getOpType()));
        rule.infer(new ShapeContext(n, opset, shapes, types, consts, unknownBecause));
    }

    // ------------------------------------------------------------------ shape arithmetic shared by shape and gradient rules

    /** A possibly negative axis resolved against {@code rank}; fails when out of range. */
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
}
