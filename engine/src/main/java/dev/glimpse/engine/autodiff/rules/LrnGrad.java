package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * LRN: y = x·s^−β with s = bias + α/size·Σ_window x². dX = dY·s^−β − (2αβ/size)·x·Σ_window'(dY·y/s), where
 * window' is the channel window mirrored (the transpose of the forward window). Channel-window sums are
 * computed by a Conv with a ones kernel over the channel axis.
 */
public final class LrnGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("LRN");
    }

    @Override
    public String unsupportedReason(Backward b) {
        long[] s = b.shape(b.input(0));
        return s.length < 2 || s[1] < 0 ? "channel count unknown" : null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String y = b.output(0);
        String dy = b.gradOut(0);
        long size = b.attrInt("size", 1);
        float alpha = b.attrFloat("alpha", 1e-4f);
        float beta = b.attrFloat("beta", 0.75f);
        float bias = b.attrFloat("bias", 1f);
        long channels = b.shape(x)[1];
        long lo = (size - 1) / 2;
        long hi = size - 1 - lo;

        String sq = b.mul(x, x);
        String s = b.add(b.scalar(bias), b.mul(b.scalar(alpha / size), channelWindowSum(b, sq, x, channels, size, lo, hi)));
        String first = b.mul(dy, b.op("Pow", s, b.scalar(-beta)));
        String t = b.div(b.mul(dy, y), s);
        String back = channelWindowSum(b, t, x, channels, size, hi, lo);
        String second = b.mul(b.mul(x, back), b.scalar(2f * alpha * beta / size));
        b.addGrad(0, b.sub(first, second));
    }

    /** Σ over channels c−before..c+after of v (zero outside), same shape as {@code like}. */
    private static String channelWindowSum(Backward b, String v, String like, long channels, long size, long before, long after) {
        String r = b.reshape(v, b.ints(0, 1, channels, -1));
        float[] ones = new float[(int) size];
        Arrays.fill(ones, 1f);
        String conv = b.op("Conv", List.of(r, b.floats(ones, 1, 1, size, 1)),
                Attributes.ofInts("kernel_shape", size, 1), Attributes.ofInts("pads", before, 0, after, 0));
        return b.reshapeLike(conv, like);
    }
}
