package dev.glimpse.engine.graph;

import com.google.protobuf.ByteString;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/** Conversions between ONNX {@link TensorProto}s and Java arrays (raw_data is little-endian per the ONNX spec). */
public final class Tensors {

    private Tensors() {
    }

    /** A float32 tensor named {@code name}, data stored as raw_data. */
    public static TensorProto floats(String name, float[] data, long... dims) {
        checkCount(name, data.length, dims);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(asList(dims)).setRawData(ByteString.copyFrom(buf.array())).build();
    }

    /** An int64 tensor named {@code name}, data stored as raw_data. */
    public static TensorProto longs(String name, long[] data, long... dims) {
        checkCount(name, data.length, dims);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(data);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addAllDims(asList(dims)).setRawData(ByteString.copyFrom(buf.array())).build();
    }

    /** A 1-D int64 tensor. */
    public static TensorProto longs1d(String name, long... data) {
        return longs(name, data, data.length);
    }

    /** A float32 scalar (rank 0). */
    public static TensorProto scalar(String name, float value) {
        return floats(name, new float[] {value});
    }

    /** Number of elements of a shape (1 for a scalar). */
    public static long size(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The data of a float-like tensor (FLOAT, DOUBLE, FLOAT16 is not supported) as float[]. */
    public static float[] toFloats(TensorProto t) {
        int n = (int) size(dims(t));
        int type = t.getDataType();
        if (type == TensorProto.DataType.FLOAT_VALUE) {
            if (t.hasRawData()) {
                float[] out = new float[n];
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
                return out;
            }
            float[] out = new float[t.getFloatDataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
            return out;
        }
        if (type == TensorProto.DataType.DOUBLE_VALUE) {
            double[] d = toDoubles(t);
            float[] out = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = (float) d[i];
            }
            return out;
        }
        long[] l = toLongs(t);
        float[] out = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = l[i];
        }
        return out;
    }

    private static double[] toDoubles(TensorProto t) {
        if (t.hasRawData()) {
            double[] out = new double[t.getRawData().size() / 8];
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
            return out;
        }
        return t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The data of an integer or bool tensor as long[] (float tensors are truncated). */
    public static long[] toLongs(TensorProto t) {
        int type = t.getDataType();
        ByteBuffer raw = t.hasRawData() ? t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN) : null;
        switch (type) {
            case TensorProto.DataType.INT64_VALUE: {
                if (raw != null) {
                    long[] out = new long[raw.remaining() / 8];
                    raw.asLongBuffer().get(out);
                    return out;
                }
                return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
            }
            case TensorProto.DataType.INT32_VALUE: {
                if (raw != null) {
                    long[] out = new long[raw.remaining() / 4];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = raw.getInt();
                    }
                    return out;
                }
                return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
            }
            case TensorProto.DataType.INT8_VALUE:
            case TensorProto.DataType.UINT8_VALUE:
            case TensorProto.DataType.BOOL_VALUE:
            case TensorProto.DataType.INT16_VALUE:
            case TensorProto.DataType.UINT16_VALUE: {
                if (raw != null) {
                    int width = (type == TensorProto.DataType.INT16_VALUE || type == TensorProto.DataType.UINT16_VALUE) ? 2 : 1;
                    long[] out = new long[raw.remaining() / width];
                    for (int i = 0; i < out.length; i++) {
                        if (width == 2) {
                            short s = raw.getShort();
                            out[i] = type == TensorProto.DataType.UINT16_VALUE ? (s & 0xffff) : s;
                        } else {
                            byte b = raw.get();
                            out[i] = type == TensorProto.DataType.INT8_VALUE ? b : (b & 0xff);
                        }
                    }
                    return out;
                }
                return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
            }
            case TensorProto.DataType.FLOAT_VALUE:
            case TensorProto.DataType.DOUBLE_VALUE: {
                float[] f = toFloats(t);
                long[] out = new long[f.length];
                for (int i = 0; i < f.length; i++) {
                    out[i] = (long) f[i];
                }
                return out;
            }
            default:
                throw new IllegalArgumentException("tensor '" + t.getName() + "': unsupported data type " + type);
        }
    }

    public static boolean isFloat(TensorProto t) {
        return t.getDataType() == TensorProto.DataType.FLOAT_VALUE || t.getDataType() == TensorProto.DataType.DOUBLE_VALUE;
    }

    private static void checkCount(String name, int n, long[] dims) {
        if (size(dims) != n) {
            throw new IllegalArgumentException("tensor '" + name + "': " + n + " values do not fill shape " + Arrays.toString(dims));
        }
    }

    private static List<Long> asList(long[] dims) {
        return Arrays.stream(dims).boxed().toList();
    }
}
