package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.Arrays;

/**
 * A tensor value known at analysis time (an initializer, a Constant, or a shape computation). Floating types keep
 * their data as double[], integer and bool types as long[].
 *
 * <p>A value read from a {@link TensorProto} (initializers, Constant nodes) is decoded only when its data is first
 * asked for: shape inference and constant folding need the dimensions and element type of every weight but the data
 * of almost none (a Reshape target, a Clip bound), and decoding tens of megabytes of weights into double[] on every
 * analysis pass was most of the time it took to build a gradient session.
 */
public final class ConstValue {

    final int dataType;
    final long[] dims;
    private final boolean real;
    /** The undecoded source, or null once decoded (or for computed values). */
    private TensorProto source;
    private double[] reals;
    private long[] ints;

    ConstValue(int dataType, long[] dims, double[] reals, long[] ints) {
        this.dataType = dataType;
        this.dims = dims;
        this.real = reals != null;
        this.reals = reals;
        this.ints = ints;
    }

    private ConstValue(TensorProto source) {
        this.dataType = source.getDataType();
        this.dims = Tensors.dims(source);
        this.real = isRealType(dataType);
        this.source = source;
    }

    public static ConstValue ofInts(int dataType, long[] dims, long[] data) {
        return new ConstValue(dataType, dims, null, data);
    }

    public static ConstValue ofReals(int dataType, long[] dims, double[] data) {
        return new ConstValue(dataType, dims, data, null);
    }

    /** The value of a tensor, its data decoded on first use. */
    public static ConstValue of(TensorProto t) {
        return new ConstValue(t);
    }

    private synchronized void decode() {
        if (source == null) {
            return;
        }
        if (real) {
            float[] f = Tensors.toFloats(source);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            reals = d;
        } else {
            ints = Tensors.toLongs(source);
        }
        source = null;
    }

    /** The data of a real value (decoded if needed; not a copy). */
    double[] reals() {
        decode();
        return reals;
    }

    /** The data of an integer value (decoded if needed; not a copy). */
    long[] ints() {
        decode();
        return ints;
    }

    static boolean isRealType(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.DOUBLE_VALUE
                || type == TensorProto.DataType.FLOAT16_VALUE || type == TensorProto.DataType.BFLOAT16_VALUE;
    }

    public boolean isReal() {
        return real;
    }

    public int dataType() {
        return dataType;
    }

    public long[] dims() {
        return dims.clone();
    }

    public int size() {
        return (int) Tensors.size(dims);
    }

    public double real(int i) {
        return real ? reals()[i] : ints()[i];
    }

    public long integer(int i) {
        return real ? (long) reals()[i] : ints()[i];
    }

    public long[] longs() {
        if (!real) {
            return ints().clone();
        }
        double[] reals = reals();
        long[] out = new long[reals.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) reals[i];
        }
        return out;
    }

    public double[] doubles() {
        if (real) {
            return reals().clone();
        }
        long[] ints = ints();
        double[] out = new double[ints.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }

    /** The value as an initializer; float16 / bfloat16 are written as float32 would be wrong, so they are refused. */
    TensorProto toTensor(String name) {
        TensorProto undecoded = source;
        if (undecoded != null && writable(dataType)) {
            return undecoded.toBuilder().setName(name).build();
        }
        double[] reals = real ? reals() : null;
        long[] ints = real ? null : ints();
        switch (dataType) {
            case TensorProto.DataType.FLOAT_VALUE: {
                float[] f = new float[reals.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) reals[i];
                }
                return Tensors.floats(name, f, dims);
            }
            case TensorProto.DataType.DOUBLE_VALUE:
                return TensorProto.newBuilder().setName(name).setDataType(dataType)
                        .addAllDims(Arrays.stream(dims).boxed().toList())
                        .addAllDoubleData(Arrays.stream(reals).boxed().toList()).build();
            case TensorProto.DataType.INT64_VALUE:
                return Tensors.longs(name, ints, dims);
            case TensorProto.DataType.INT32_VALUE:
            case TensorProto.DataType.INT8_VALUE:
            case TensorProto.DataType.UINT8_VALUE:
            case TensorProto.DataType.INT16_VALUE:
            case TensorProto.DataType.UINT16_VALUE:
            case TensorProto.DataType.BOOL_VALUE: {
                TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType)
                        .addAllDims(Arrays.stream(dims).boxed().toList());
                for (long v : ints) {
                    b.addInt32Data((int) v);
                }
                return b.build();
            }
            default:
                return null;
        }
    }

    private static boolean writable(int type) {
        switch (type) {
            case TensorProto.DataType.FLOAT_VALUE:
            case TensorProto.DataType.DOUBLE_VALUE:
            case TensorProto.DataType.INT64_VALUE:
            case TensorProto.DataType.INT32_VALUE:
            case TensorProto.DataType.INT8_VALUE:
            case TensorProto.DataType.UINT8_VALUE:
            case TensorProto.DataType.INT16_VALUE:
            case TensorProto.DataType.UINT16_VALUE:
            case TensorProto.DataType.BOOL_VALUE:
                return true;
            default:
                return false;
        }
    }

    /** Same type, dimensions and data; two values read from the same tensor are equal without being decoded. */
    public boolean sameAs(ConstValue o) {
        if (o == null || dataType != o.dataType || !Arrays.equals(dims, o.dims) || real != o.real) {
            return false;
        }
        if (o == this || (source != null && source == o.source)) {
            return true;
        }
        return real ? Arrays.equals(reals(), o.reals()) : Arrays.equals(ints(), o.ints());
    }

    @Override
    public String toString() {
        return "ConstValue" + Arrays.toString(dims) + (real ? Arrays.toString(reals()) : Arrays.toString(ints()));
    }
}
