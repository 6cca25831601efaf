package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.Arrays;
import java.util.List;

/** Evaluation of the operators that appear in constant and shape sub-graphs, on {@link ConstValue}s. */
public final class ConstEval {

    private static final int BOOL = TensorProto.DataType.BOOL_VALUE;

    private ConstEval() {
    }

    public static ConstValue unary(String op, NodeProto n, ConstValue x) {
        if (op.equals("Identity")) {
            return x;
        }
        if (!x.isReal()) {
            long[] o = x.longs();
            for (int i = 0; i < o.length; i++) {
                switch (op) {
                    case "Neg": o[i] = -o[i]; break;
                    case "Abs": o[i] = Math.abs(o[i]); break;
                    case "Relu": o[i] = Math.max(0, o[i]); break;
                    case "Sign": o[i] = Long.signum(o[i]); break;
                    default: return null;
                }
            }
            return ConstValue.ofInts(x.dataType, x.dims, o);
        }
        double[] o = x.doubles();
        float alpha = Attributes.getFloat(n, "alpha", 0.01f);
        for (int i = 0; i < o.length; i++) {
            double v = o[i];
            switch (op) {
                case "Neg": v = -v; break;
                case "Abs": v = Math.abs(v); break;
                case "Relu": v = Math.max(0, v); break;
                case "LeakyRelu": v = v > 0 ? v : alpha * v; break;
                case "Sigmoid": v = 1 / (1 + Math.exp(-v)); break;
                case "Tanh": v = Math.tanh(v); break;
                case "Exp": v = Math.exp(v); break;
                case "Log": v = Math.log(v); break;
                case "Sqrt": v = Math.sqrt(v); break;
                case "Floor": v = Math.floor(v); break;
                case "Ceil": v = Math.ceil(v); break;
                case "Reciprocal": v = 1 / v; break;
                case "Sign": v = Math.signum(v); break;
                case "Round": v = Math.rint(v); break;
                default: return null;
            }
            o[i] = x.dataType == TensorProto.DataType.FLOAT_VALUE ? (float) v : v;
        }
        return ConstValue.ofReals(x.dataType, x.dims, o);
    }

    public static ConstValue cast(ConstValue x, int to) {
        if (ConstValue.isRealType(to)) {
            double[] d = x.doubles();
            if (to == TensorProto.DataType.FLOAT_VALUE) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) d[i];
                }
            }
            return ConstValue.ofReals(to, x.dims, d);
        }
        long[] l = x.longs();
        if (to == BOOL) {
            for (int i = 0; i < l.length; i++) {
                l[i] = x.real(i) != 0 ? 1 : 0;
            }
        } else if (to == TensorProto.DataType.INT32_VALUE) {
            for (int i = 0; i < l.length; i++) {
                l[i] = (int) l[i];
            }
        }
        return ConstValue.ofInts(to, x.dims, l);
    }

    /** Row-major strides of a shape. */
    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Index into a tensor of shape {@code dims} broadcast to {@code out} for the flat output index {@code flat}. */
    private static int broadcastIndex(long flat, long[] out, long[] dims) {
        long[] os = strides(out);
        long[] ds = strides(dims);
        int off = out.length - dims.length;
        long idx = 0;
        for (int i = 0; i < out.length; i++) {
            long c = (flat / os[i]) % out[i];
            int j = i - off;
            if (j >= 0 && dims[j] != 1) {
                idx += c * ds[j];
            }
        }
        return (int) idx;
    }

    public static ConstValue binary(String op, ConstValue a, ConstValue b) {
        if (a == null || b == null) {
            return null;
        }
        long[] out = ShapeInference.broadcast(a.dims, b.dims);
        int n = (int) Tensors.size(out);
        boolean compare = op.equals("Equal") || op.equals("Greater") || op.equals("Less")
                || op.equals("GreaterOrEqual") || op.equals("LessOrEqual") || op.equals("And") || op.equals("Or")
                || op.equals("Xor");
        boolean real = a.isReal() || b.isReal();
        if (compare) {
            long[] o = new long[n];
            for (int i = 0; i < n; i++) {
                double x = a.real(broadcastIndex(i, out, a.dims));
                double y = b.real(broadcastIndex(i, out, b.dims));
                boolean r;
                switch (op) {
                    case "Equal": r = x == y; break;
                    case "Greater": r = x > y; break;
                    case "Less": r = x < y; break;
                    case "GreaterOrEqual": r = x >= y; break;
                    case "LessOrEqual": r = x <= y; break;
                    case "And": r = x != 0 && y != 0; break;
                    case "Or": r = x != 0 || y != 0; break;
                    default: r = (x != 0) ^ (y != 0); break;
                }
                o[i] = r ? 1 : 0;
            }
            return ConstValue.ofInts(BOOL, out, o);
        }
        if (real) {
            double[] o = new double[n];
            for (int i = 0; i < n; i++) {
                double x = a.real(broadcastIndex(i, out, a.dims));
                double y = b.real(broadcastIndex(i, out, b.dims));
                double r;
                switch (op) {
                    case "Add": r = x + y; break;
                    case "Sub": r = x - y; break;
                    case "Mul": r = x * y; break;
                    case "Div": r = x / y; break;
                    case "Pow": r = Math.pow(x, y); break;
                    case "Max": r = Math.max(x, y); break;
                    case "Min": r = Math.min(x, y); break;
                    default: return null;
                }
                o[i] = a.dataType == TensorProto.DataType.FLOAT_VALUE ? (float) r : r;
            }
            return ConstValue.ofReals(a.isReal() ? a.dataType : b.dataType, out, o);
        }
        long[] o = new long[n];
        for (int i = 0; i < n; i++) {
            long x = a.integer(broadcastIndex(i, out, a.dims));
            long y = b.integer(broadcastIndex(i, out, b.dims));
            long r;
            switch (op) {
                case "Add": r = x + y; break;
                case "Sub": r = x - y; break;
                case "Mul": r = x * y; break;
                case "Div": r = y == 0 ? 0 : x / y; break;
                case "Mod": r = y == 0 ? 0 : Math.floorMod(x, y); break;
                case "Pow": r = (long) Math.pow(x, y); break;
                case "Max": r = Math.max(x, y); break;
                case "Min": r = Math.min(x, y); break;
                default: return null;
            }
            o[i] = r;
        }
        return ConstValue.ofInts(a.dataType, out, o);
    }

    public static ConstValue where(ConstValue c, ConstValue a, ConstValue b) {
        long[] out = ShapeInference.broadcast(ShapeInference.broadcast(c.dims, a.dims), b.dims);
        int n = (int) Tensors.size(out);
        if (a.isReal()) {
            double[] o = new double[n];
            for (int i = 0; i < n; i++) {
                boolean take = c.real(broadcastIndex(i, out, c.dims)) != 0;
                o[i] = take ? a.real(broadcastIndex(i, out, a.dims)) : b.real(broadcastIndex(i, out, b.dims));
            }
            return ConstValue.ofReals(a.dataType, out, o);
        }
        long[] o = new long[n];
        for (int i = 0; i < n; i++) {
            boolean take = c.real(broadcastIndex(i, out, c.dims)) != 0;
            o[i] = take ? a.integer(broadcastIndex(i, out, a.dims)) : b.integer(broadcastIndex(i, out, b.dims));
        }
        return ConstValue.ofInts(a.dataType, out, o);
    }

    public static ConstValue reshape(ConstValue x, long[] dims) {
        return x.isReal() ? ConstValue.ofReals(x.dataType, dims, x.reals()) : ConstValue.ofInts(x.dataType, dims, x.ints());
    }

    public static ConstValue fill(ConstValue value, long[] dims) {
        int n = (int) Tensors.size(dims);
        if (value.isReal()) {
            double[] o = new double[n];
            Arrays.fill(o, value.real(0));
            return ConstValue.ofReals(value.dataType, dims, o);
        }
        long[] o = new long[n];
        Arrays.fill(o, value.integer(0));
        return ConstValue.ofInts(value.dataType, dims, o);
    }

    public static ConstValue expand(ConstValue x, long[] out) {
        int n = (int) Tensors.size(out);
        if (x.isReal()) {
            double[] o = new double[n];
            for (int i = 0; i < n; i++) {
                o[i] = x.real(broadcastIndex(i, out, x.dims));
            }
            return ConstValue.ofReals(x.dataType, out, o);
        }
        long[] o = new long[n];
        for (int i = 0; i < n; i++) {
            o[i] = x.integer(broadcastIndex(i, out, x.dims));
        }
        return ConstValue.ofInts(x.dataType, out, o);
    }

    /** Generic gather of the flat source positions {@code src[i]} into a new tensor of shape {@code dims}. */
    private static ConstValue pick(ConstValue x, long[] dims, int[] src) {
        if (x.isReal()) {
            double[] reals = x.reals();
            double[] o = new double[src.length];
            for (int i = 0; i < src.length; i++) {
                o[i] = reals[src[i]];
            }
            return ConstValue.ofReals(x.dataType, dims, o);
        }
        long[] ints = x.ints();
        long[] o = new long[src.length];
        for (int i = 0; i < src.length; i++) {
            o[i] = ints[src[i]];
        }
        return ConstValue.ofInts(x.dataType, dims, o);
    }

    public static ConstValue gather(ConstValue data, ConstValue idx, int axis) {
        long[] d = data.dims;
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= d[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        long[] ix = idx.longs();
        long[] dims = ShapeInference.concat(Arrays.copyOfRange(d, 0, axis), idx.dims,
                Arrays.copyOfRange(d, axis + 1, d.length));
        int[] src = new int[(int) (outer * ix.length * inner)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (long j : ix) {
                long jj = j < 0 ? j + d[axis] : j;
                for (long in = 0; in < inner; in++) {
                    src[k++] = (int) ((o * d[axis] + jj) * inner + in);
                }
            }
        }
        return pick(data, dims, src);
    }

    public static ConstValue concat(List<ConstValue> parts, int axis) {
        long[] first = parts.get(0).dims;
        long[] dims = first.clone();
        dims[axis] = 0;
        for (ConstValue p : parts) {
            dims[axis] += p.dims[axis];
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= first[i];
        }
        boolean real = parts.get(0).isReal();
        int n = (int) Tensors.size(dims);
        double[] r = real ? new double[n] : null;
        long[] l = real ? null : new long[n];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (ConstValue p : parts) {
                long block = 1;
                for (int i = axis; i < p.dims.length; i++) {
                    block *= p.dims[i];
                }
                for (long j = 0; j < block; j++) {
                    int src = (int) (o * block + j);
                    if (real) {
                        r[k++] = p.real(src);
                    } else {
                        l[k++] = p.integer(src);
                    }
                }
            }
        }
        return real ? ConstValue.ofReals(parts.get(0).dataType, dims, r) : ConstValue.ofInts(parts.get(0).dataType, dims, l);
    }

    public static ConstValue transpose(ConstValue x, long[] perm) {
        long[] d = x.dims;
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[(int) perm[i]];
        }
        long[] is = strides(d);
        long[] os = strides(out);
        int n = x.size();
        int[] src = new int[n];
        for (int f = 0; f < n; f++) {
            long idx = 0;
            for (int i = 0; i < out.length; i++) {
                long c = (f / os[i]) % out[i];
                idx += c * is[(int) perm[i]];
            }
            src[f] = (int) idx;
        }
        return pick(x, out, src);
    }

    public static ConstValue slice(ConstValue x, ShapeInference.SliceSpec spec) {
        long[] d = x.dims;
        long[] out = spec.outShape;
        long[] is = strides(d);
        long[] os = strides(out);
        int n = (int) Tensors.size(out);
        int[] src = new int[n];
        for (int f = 0; f < n; f++) {
            long idx = 0;
            for (int i = 0; i < out.length; i++) {
                long c = (f / os[i]) % out[i];
                idx += (spec.starts[i] + c * spec.steps[i]) * is[i];
            }
            src[f] = (int) idx;
        }
        return pick(x, out, src);
    }
}
