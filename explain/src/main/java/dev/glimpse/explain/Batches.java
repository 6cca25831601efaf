package dev.glimpse.explain;

import java.util.Arrays;
import java.util.List;

/** Slicing and concatenating along the batch (first) axis. */
public final class Batches {

    private Batches() {
    }

    public static Tensor range(Tensor t, int start, int end) {
        int per = t.size() / t.dim(0);
        int[] shape = t.shape().clone();
        shape[0] = end - start;
        return new Tensor(shape, Arrays.copyOfRange(t.data(), start * per, end * per));
    }

    public static Tensor concat(List<Tensor> parts) {
        int n = 0;
        int size = 0;
        for (Tensor p : parts) {
            n += p.dim(0);
            size += p.size();
        }
        float[] data = new float[size];
        int at = 0;
        for (Tensor p : parts) {
            System.arraycopy(p.data(), 0, data, at, p.size());
            at += p.size();
        }
        int[] shape = parts.get(0).shape().clone();
        shape[0] = n;
        return new Tensor(shape, data);
    }

    static Tensor concatOrNull(List<Tensor> parts) {
        return parts.isEmpty() || parts.get(0) == null ? null : concat(parts);
    }

    /** n copies of a [1,...] tensor stacked into [n,...]. */
    public static Tensor repeat(Tensor one, int n) {
        int per = one.size();
        float[] data = new float[per * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(one.data(), 0, data, i * per, per);
        }
        int[] shape = one.shape().clone();
        shape[0] = n;
        return new Tensor(shape, data);
    }
}
