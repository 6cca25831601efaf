package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Split (attribute, input or num_outputs form): the outputs' gradients (zeros where none) concatenated back. */
public final class SplitGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Split");
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        int axis = ShapeInference.axis(b.attrInt("axis", 0), b.rank(b.input(0)));
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < b.node().getOutputCount(); k++) {
            parts.add(b.gradOutOrZeros(k));
        }
        b.addGrad(0, b.op("Concat", parts, Attributes.ofInt("axis", axis)));
    }
}
