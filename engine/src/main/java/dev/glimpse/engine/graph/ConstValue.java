package dev.glimpse.engine.graph;

import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.Arrays;

/**
 * A tensor value known at analysis time (an initializer, a Constant, or a shape computation). Floating types keep
 * their data as double[], integer and bool types as long[].
 */
public final class ConstValue {

    final int dataType;
    final long[] dims;
    final double[] reals;
    final long[] ints;

    ConstValue(int dataType, long[] dims, double[] reals, long[] ints) {
        this.dataType = dataType;
        this.dims = dims;
        this.reals = reals;
        this.ints = ints;
    }

    public static ConstValue ofInts(int dataType, long[] dims, long[] data) {
        return new ConstValue(dataType, dims, null, data);
    }

    public static ConstValue ofReals(int dataType, long[] dims, double[] data) {
        return new ConstValue(dataType, dims, data, null);
    }

    public static ConstValue of(TensorProto t) {
        long[] dims = Tensors.dims(t);
        if (isRealType(t.getDataType())) {
            float[] f = Tensors.toFloats(t);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return ofReals(t.getDataType(), dims, d);
        }
        return ofInts(t.getDataType(), dims, Tensors.toLongs(t));
    }

    static boolean isRealType(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.DOUBLE_VALUE
                || type == TensorProto.DataType.FLOAT16_VALUE || type == TensorProto.DataType.BFLOAT16_VALUE;
    }

    public boolean isReal() {
        return reals != null;
    }

    public int dataType() {
        return dataType;
    }

    public long[] dims() {
        return dims.clone();
    }

    public int size() {
        return reals != null ? reals.length : ints.length;
    }

    public double real(int i) {
        return reals != null ? reals[i] : ints[i];
    }

    public long integer(int i) {
        return reals != null ? (long) reals[i] : ints[i];
    }

    public long[] longs() {
        if (ints != null) {
            return ints.clone();
        }
        long[] out = new long[reals.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) reals[i];
        }
        return out;
    }

    public double[] doubles() {
        if (reals != null) {
            return reals.clone();
        }
        double[] out = new double[ints.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }

    /** The value as an initializer; float16 / bfloat16 are written as float32 would be wrong, so they are refused. */
    TensorProto toTensor(String name) {
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

    boolean sameAs(ConstValue o) {
        return o != null && dataType == o.dataType && Arrays.equals(dims, o.dims) && Arrays.equals(reals, o.reals)
                && Arrays.equals(ints, o.ints);
    }

    @Override
    public String toString() {
        return "ConstValue" + Arrays.toString(dims) + (reals != null ? Arrays.toString(reals) : Arrays.toString(ints));
    }
}
