package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/** Identity and Dropout in inference (both pass the gradient through unchanged). */
public final class IdentityGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Identity", "Dropout");
    }

    @Override
    public void backward(Backward b) {
        if (b.needsGrad(0) && b.gradOut(0) != null) {
            b.addGrad(0, b.gradOut(0));
        }
    }
}
