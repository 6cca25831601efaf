package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.ConstValue;

import java.util.Optional;
import java.util.Set;

/**
 * Identity and Dropout. Inference Dropout passes the gradient through; training Dropout (opset 12+,
 * {@code training_mode} not constant false) passes dY·mask/(1−ratio), using the node's mask output.
 */
public final class IdentityGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Identity", "Dropout");
    }

    private static boolean training(Backward b) {
        if (!b.node().getOpType().equals("Dropout") || !b.hasInput(2)) {
            return false;
        }
        Optional<ConstValue> mode = b.constant(b.input(2));
        return mode.isEmpty() || mode.get().integer(0) != 0;
    }

    @Override
    public String unsupportedReason(Backward b) {
        if (training(b) && (b.node().getOutputCount() < 2 || b.output(1).isEmpty())) {
            return "training-mode Dropout without its mask output";
        }
        if (training(b) && b.hasInput(1) && b.constant(b.input(1)).isEmpty()) {
            return "training-mode Dropout with a ratio computed at run time";
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0) || b.gradOut(0) == null) {
            return;
        }
        if (!training(b)) {
            b.addGrad(0, b.gradOut(0));
            return;
        }
        double ratio = b.hasInput(1) ? b.constant(b.input(1)).orElseThrow().real(0) : 0.5;
        String kept = b.mul(b.gradOut(0), b.toFloat(b.output(1)));
        b.addGrad(0, b.mul(kept, b.scalar((float) (1 / (1 - ratio)))));
    }
}
