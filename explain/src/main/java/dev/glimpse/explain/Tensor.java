package dev.glimpse.explain;

import java.util.Arrays;

/**
 * A dense float32 array in row-major (C) order: the currency of explanation maps, inputs and NPY files.
 * The data array is shared, not copied: callers that keep a tensor must not mutate its data.
 */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but data has " + data.length);
        }
    }

    public static Tensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return new Tensor(shape.clone(), new float[Math.toIntExact(n)]);
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public int size() {
        return data.length;
    }

    public Tensor reshape(int... newShape) {
        return new Tensor(newShape.clone(), data);
    }

    /** Drops a leading batch dimension of 1 ([1,C,H,W] → [C,H,W]). */
    public Tensor dropBatch() {
        if (shape.length < 1 || shape[0] != 1) {
            throw new IllegalArgumentException("expected a leading batch dimension of 1, got " + Arrays.toString(shape));
        }
        return reshape(Arrays.copyOfRange(shape, 1, shape.length));
    }

    /** Slice i of the first axis, as a tensor of rank-1 (a view sharing no data: it is copied). */
    public Tensor slice(int i) {
        int inner = data.length / shape[0];
        return new Tensor(Arrays.copyOfRange(shape, 1, shape.length),
                Arrays.copyOfRange(data, i * inner, (i + 1) * inner));
    }

    public float max() {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : data) {
            m = Math.max(m, v);
        }
        return m;
    }

    public float min() {
        float m = Float.POSITIVE_INFINITY;
        for (float v : data) {
            m = Math.min(m, v);
        }
        return m;
    }

    public double sum() {
        double s = 0;
        for (float v : data) {
            s += v;
        }
        return s;
    }

    public int argmax() {
        int best = 0;
        for (int i = 1; i < data.length; i++) {
            if (data[i] > data[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
