package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/**
 * BatchNormalization.
 * <ul>
 * <li>Inference form (running statistics): y = (x−mean)·scale/√(var+eps) + B, so dX = dY·scale/√(var+eps);
 * dScale = Σ dY·x̂; dB = Σ dY; dMean and dVar follow from the same formula.</li>
 * <li>Training form ({@code training_mode=1}, opset 14+; statistics of the batch): dX =
 * scale/σ · (dY − mean(dY) − x̂·mean(dY·x̂)) with means over batch and space; dScale and dB as above.</li>
 * </ul>
 */
public final class BatchNormalizationGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("BatchNormalization");
    }

    @Override
    public String unsupportedReason(Backward b) {
        long[] x = b.shape(b.input(0));
        return x.length < 2 || x[1] < 0 ? "channel count unknown" : null;
    }

    @Override
    public void backward(Backward b) {
        String x = b.input(0);
        String scale = b.input(1);
        String mean = b.input(3);
        String var = b.input(4);
        String dy = b.gradOut(0);
        if (dy == null) {
            return;
        }
        int rank = b.rank(x);
        float eps = b.attrFloat("epsilon", 1e-5f);
        boolean training = b.attrInt("training_mode", 0) == 1;
        long[] perChannel = new long[rank - 1];
        perChannel[0] = -1;
        for (int i = 1; i < perChannel.length; i++) {
            perChannel[i] = 1;
        }
        String toChannel = b.ints(perChannel);
        long[] axes = new long[rank - 1];
        axes[0] = 0;
        for (int i = 2; i < rank; i++) {
            axes[i - 1] = i;
        }
        String scaleB = b.reshape(scale, toChannel);
        String dB = b.reduceSum(dy, axes, false);

        if (training) {
            String mu = b.reduceMean(x, axes, true);
            String centered = b.sub(x, mu);
            String batchVar = b.reduceMean(b.mul(centered, centered), axes, true);
            String inv = b.op("Reciprocal", b.op("Sqrt", b.add(batchVar, b.scalar(eps))));
            String xhat = b.mul(centered, inv);
            if (b.needsGrad(0)) {
                String meanDy = b.reduceMean(dy, axes, true);
                String meanDyXhat = b.reduceMean(b.mul(dy, xhat), axes, true);
                String inner = b.sub(b.sub(dy, meanDy), b.mul(xhat, meanDyXhat));
                b.addGrad(0, b.mul(inner, b.mul(scaleB, inv)));
            }
            if (b.needsGrad(1)) {
                b.addGrad(1, b.reduceSum(b.mul(dy, xhat), axes, false));
            }
            if (b.needsGrad(2)) {
                b.addGrad(2, dB);
            }
            return;
        }

        String inv = b.op("Reciprocal", b.op("Sqrt", b.add(var, b.scalar(eps))));
        String invB = b.reshape(inv, toChannel);
        if (b.needsGrad(0)) {
            b.addGrad(0, b.mul(dy, b.mul(scaleB, invB)));
        }
        String centered = b.sub(x, b.reshape(mean, toChannel));
        if (b.needsGrad(1)) {
            b.addGrad(1, b.reduceSum(b.mul(dy, b.mul(centered, invB)), axes, false));
        }
        if (b.needsGrad(2)) {
            b.addGrad(2, dB);
        }
        if (b.needsGrad(3)) {
            b.addGrad(3, b.neg(b.mul(dB, b.mul(scale, inv))));
        }
        if (b.needsGrad(4)) {
            String s = b.reduceSum(b.mul(dy, centered), axes, false);
            String inv3 = b.mul(inv, b.mul(inv, inv));
            b.addGrad(4, b.mul(s, b.mul(scale, b.mul(inv3, b.scalar(-0.5f)))));
        }
    }
}
