package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;

/**
 * x̂ = (x − mean(x)) / √(var(x) + eps) over some axes, and the gradient through it, shared by the normalisations
 * that standardise with the statistics of the input itself (LayerNormalization, InstanceNormalization,
 * GroupNormalization, BatchNormalization's training form keeps its own copy of the same formula):
 * dX = (dX̂ − mean(dX̂) − x̂·mean(dX̂·x̂)) / √(var + eps), means over the same axes.
 */
final class Standardization {

    final String xhat;
    final String invStd;
    private final long[] axes;

    private Standardization(String xhat, String invStd, long[] axes) {
        this.xhat = xhat;
        this.invStd = invStd;
        this.axes = axes;
    }

    /** Emits x̂ of {@code x} over {@code axes} (recomputed in the backward graph). */
    static Standardization of(Backward b, String x, long[] axes, float eps) {
        String centered = b.sub(x, b.reduceMean(x, axes, true));
        String var = b.reduceMean(b.mul(centered, centered), axes, true);
        String inv = b.op("Reciprocal", b.op("Sqrt", b.add(var, b.scalar(eps))));
        return new Standardization(b.mul(centered, inv), inv, axes);
    }

    /** dX from the gradient dX̂ of the standardised tensor. */
    String inputGradient(Backward b, String dxhat) {
        String meanD = b.reduceMean(dxhat, axes, true);
        String meanDX = b.reduceMean(b.mul(dxhat, xhat), axes, true);
        return b.mul(b.sub(b.sub(dxhat, meanD), b.mul(xhat, meanDX)), invStd);
    }

    /** Axes from {@code first} to {@code rank − 1}. */
    static long[] trailing(int first, int rank) {
        long[] a = new long[rank - first];
        for (int i = first; i < rank; i++) {
            a[i - first] = i;
        }
        return a;
    }
}
