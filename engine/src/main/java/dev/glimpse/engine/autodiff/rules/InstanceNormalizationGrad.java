package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/**
 * InstanceNormalization: x [N, C, spatial...] standardised per sample and channel over the spatial axes, then
 * y = x̂·scale[c] + B[c]. dX by {@link Standardization} from dX̂ = dY·scale; dScale = Σ dY·x̂ and dB = Σ dY over
 * batch and space.
 */
public final class InstanceNormalizationGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("InstanceNormalization");
    }

    @Override
    public String unsupportedReason(Backward b) {
        return b.rank(b.input(0)) < 3 ? b.describe() + ": input of rank < 3" : null;
    }

    @Override
    public void backward(Backward b) {
        String dy = b.gradOut(0);
        if (dy == null) {
            return;
        }
        String x = b.input(0);
        int rank = b.rank(x);
        Standardization s = Standardization.of(b, x, Standardization.trailing(2, rank), b.attrFloat("epsilon", 1e-5f));
        long[] notChannel = new long[rank - 1];
        for (int i = 1; i < notChannel.length; i++) {
            notChannel[i] = i + 1;
        }
        if (b.needsGrad(0)) {
            b.addGrad(0, s.inputGradient(b, b.mul(dy, b.unsqueeze(b.input(1), Standardization.trailing(1, rank - 1)))));
        }
        if (b.needsGrad(1)) {
            b.addGrad(1, b.reduceSum(b.mul(dy, s.xhat), notChannel, false));
        }
        if (b.needsGrad(2)) {
            b.addGrad(2, b.reduceSum(dy, notChannel, false));
        }
    }
}
