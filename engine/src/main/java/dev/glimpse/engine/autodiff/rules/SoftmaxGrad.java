package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Set;

/**
 * Softmax: dX = y·(dY − Σ dY·y); LogSoftmax: dX = dY − exp(y)·Σ dY; sums along the axis (opset 13+ semantics;
 * older models are upgraded first, or must soft-max over their last axis).
 */
public final class SoftmaxGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Softmax", "LogSoftmax");
    }

    @Override
    public String unsupportedReason(Backward b) {
        if (b.opset() < 13) {
            int rank = b.rank(b.input(0));
            int axis = ShapeInference.axis(b.attrInt("axis", 1), rank);
            if (axis != rank - 1) {
                return "opset < 13 soft-max over a non-last axis";
            }
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        int rank = b.rank(b.input(0));
        int axis = ShapeInference.axis(b.attrInt("axis", b.opset() >= 13 ? -1 : 1), rank);
        String y = b.output(0);
        String dy = b.gradOut(0);
        long[] axes = {axis};
        if (b.node().getOpType().equals("Softmax")) {
            String s = b.reduceSum(b.mul(dy, y), axes, true);
            b.addGrad(0, b.mul(y, b.sub(dy, s)));
        } else {
            String s = b.reduceSum(dy, axes, true);
            b.addGrad(0, b.sub(dy, b.mul(b.op("Exp", y), s)));
        }
    }
}
