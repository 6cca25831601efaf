package dev.glimpse.training.model;

import java.util.Arrays;

/** A named float tensor of a model: a trainable weight or a buffer such as a running mean. */
public record ParamTensor(String name, long[] shape, float[] data, boolean buffer) {

    public ParamTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    public int size() {
        return data.length;
    }

    public ParamTensor copy() {
        return new ParamTensor(name, shape.clone(), data.clone(), buffer);
    }

    /** The layer name: everything before the last dot. */
    public String layer() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
