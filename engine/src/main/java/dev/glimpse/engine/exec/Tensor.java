package dev.glimpse.engine.exec;

import java.util.Arrays;

/**
 * A host tensor: row-major data and its shape. Float32 tensors carry {@code floats}, int64 tensors (labels,
 * indices) carry {@code longs}; exactly one of the two is non-null.
 */
public record Tensor(long[] shape, float[] floats, long[] longs) {

    public Tensor {
        if ((floats == null) == (longs == null)) {
            throw new IllegalArgumentException("a tensor holds either floats or longs");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        int len = floats != null ? floats.length : longs.length;
        if (n != len) {
            throw new IllegalArgumentException(len + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    public static Tensor of(float[] data, long... shape) {
        return new Tensor(shape.clone(), data, null);
    }

    public static Tensor ofLongs(long[] data, long... shape) {
        return new Tensor(shape.clone(), null, data);
    }

    public static Tensor scalar(float v) {
        return new Tensor(new long[0], new float[] {v}, null);
    }

    public static Tensor zeros(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new Tensor(shape.clone(), new float[(int) n], null);
    }

    public boolean isFloat() {
        return floats != null;
    }

    public int size() {
        return floats != null ? floats.length : longs.length;
    }

    public int rank() {
        return shape.length;
    }

    /** The float data; fails when this is an int64 tensor. */
    public float[] data() {
        if (floats == null) {
            throw new IllegalStateException("tensor is int64, not float");
        }
        return floats;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (isFloat() ? " float" : " int64");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(floats, t.floats)
                && Arrays.equals(longs, t.longs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + Arrays.hashCode(floats) * 17 + Arrays.hashCode(longs);
    }
}
