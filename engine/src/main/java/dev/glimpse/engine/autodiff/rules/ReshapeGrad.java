package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/** Reshape, Flatten, Squeeze, Unsqueeze: the gradient is dY reshaped back to the input's (run-time) shape. */
public final class ReshapeGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Reshape", "Flatten", "Squeeze", "Unsqueeze");
    }

    @Override
    public void backward(Backward b) {
        if (b.needsGrad(0)) {
            b.addGrad(0, b.reshapeLike(b.gradOut(0), b.input(0)));
        }
    }
}
