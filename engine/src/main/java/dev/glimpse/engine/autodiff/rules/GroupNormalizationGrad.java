package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/**
 * GroupNormalization: x [N, C, spatial...] viewed as [N, G, C/G·spatial] and standardised over the last axis, then
 * scaled and shifted per channel (opset 21: scale and B of shape [C]) or per group (opset 18: shape [G]). dX by
 * {@link Standardization} in the grouped view from dX̂ = dY·scale; dScale = Σ dY·x̂, dB = Σ dY over all axes but
 * the channel (or group) one.
 */
public final class GroupNormalizationGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("GroupNormalization");
    }

    @Override
    public String unsupportedReason(Backward b) {
        long[] x = b.shape(b.input(0));
        long groups = b.attrInt("num_groups", -1);
        if (x.length < 3 || x[1] < 0 || groups <= 0 || x[1] % groups != 0) {
            return b.describe() + ": needs a static channel count divisible by num_groups";
        }
        long s = b.shape(b.input(1))[0];
        return s == x[1] || s == groups ? null : b.describe() + ": scale of " + s + " values for " + x[1] + " channels";
    }

    @Override
    public void backward(Backward b) {
        String dy = b.gradOut(0);
        if (dy == null) {
            return;
        }
        String x = b.input(0);
        String scale = b.input(1);
        int rank = b.rank(x);
        long channels = b.shape(x)[1];
        long groups = b.attrInt("num_groups", -1);
        boolean perChannel = b.shape(scale)[0] == channels;
        String grouped = b.ints(0, groups, -1);
        Standardization s = Standardization.of(b, b.reshape(x, grouped), new long[] {2}, b.attrFloat("epsilon", 1e-5f));
        String dyGrouped = b.reshape(dy, grouped);
        long[] spatial = Standardization.trailing(1, rank - 1);
        long[] notChannel = new long[rank - 1];
        for (int i = 1; i < notChannel.length; i++) {
            notChannel[i] = i + 1;
        }
        if (b.needsGrad(0)) {
            String dxhat = perChannel ? b.reshape(b.mul(dy, b.unsqueeze(scale, spatial)), grouped)
                    : b.mul(dyGrouped, b.unsqueeze(scale, 1));
            b.addGrad(0, b.reshapeLike(s.inputGradient(b, dxhat), x));
        }
        if (b.needsGrad(1)) {
            b.addGrad(1, perChannel ? b.reduceSum(b.mul(dy, b.reshapeLike(s.xhat, x)), notChannel, false)
                    : b.reduceSum(b.mul(dyGrouped, s.xhat), new long[] {0, 2}, false));
        }
        if (b.needsGrad(2)) {
            b.addGrad(2, perChannel ? b.reduceSum(dy, notChannel, false) : b.reduceSum(dyGrouped, new long[] {0, 2}, false));
        }
    }
}
